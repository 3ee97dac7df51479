package io.cairn.server.auth;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A parsed and checked {@code --web.config.file}, in the exporter-toolkit v0.8 format the Pushgateway 1.5.1 reads
 * ({@code web/tls_config.go}, {@code web/handler.go}); immutable.
 *
 * <pre>
 * tls_server_config:            # any of cert_file, key_file, client_auth_type, client_ca_file set: TLS on
 *   cert_file, key_file          # PEM; relative paths are relative to the config file's directory
 *   client_auth_type             # NoClientCert (default), RequestClientCert, RequireAnyClientCert,
 *                                # VerifyClientCertIfGiven, RequireAndVerifyClientCert
 *   client_ca_file
 *   min_version, max_version     # TLS10..TLS13, default TLS12..TLS13
 *   cipher_suites                # Go names (= IANA = JSSE names); TLS 1.3 suites are not configurable, as in Go
 *   curve_preferences            # CurveP256, CurveP384, CurveP521, X25519
 *   prefer_server_cipher_suites  # default true
 * http_server_config:
 *   http2                        # default true; Cairn serves HTTP/1.1 either way
 *   headers                      # only the security headers exporter-toolkit allows
 * basic_auth_users:              # user: bcrypt hash ($2a$, $2b$, $2y$)
 * </pre>
 *
 * Unknown fields and mistyped values are errors, as {@code yaml.UnmarshalStrict} makes them upstream, and the checks
 * run in upstream's order (YAML, headers, password hashes, TLS) with its words. Unlike upstream, the file is read
 * at start and on SIGHUP, not again on every request and handshake.
 */
public final class WebConfig {

    /** {@code client_auth_type}, in Go's {@code tls.ClientAuthType} order. */
    public enum ClientAuth {
        NO_CLIENT_CERT, REQUEST_CLIENT_CERT, REQUIRE_ANY_CLIENT_CERT, VERIFY_CLIENT_CERT_IF_GIVEN,
        REQUIRE_AND_VERIFY_CLIENT_CERT
    }

    /** No file: plain HTTP, no authentication, no extra headers. */
    public static final WebConfig NONE = new WebConfig(new Builder());

    /** Go's default {@code MinVersion}/{@code MaxVersion} in exporter-toolkit's {@code getConfig}. */
    static final String DEFAULT_MIN_VERSION = "TLSv1.2";
    static final String DEFAULT_MAX_VERSION = "TLSv1.3";

    /** The protocol names of {@code min_version}/{@code max_version}, lowest first. */
    static final List<String> PROTOCOLS = List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");
    private static final Map<String, String> TLS_VERSIONS = Map.of(
            "TLS10", "TLSv1", "TLS11", "TLSv1.1", "TLS12", "TLSv1.2", "TLS13", "TLSv1.3");

    /**
     * The names Go 1.19's {@code tls.CipherSuites()} lists (its "secure" suites), which are the only ones
     * exporter-toolkit accepts; Go's names are the IANA names, which are also JSSE's and Netty's.
     */
    static final Set<String> GO_CIPHER_SUITES = Set.of(
            "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_256_CBC_SHA",
            "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");

    /** exporter-toolkit's curve names and the JSSE named groups they are. */
    private static final Map<String, String> CURVES = Map.of(
            "CurveP256", "secp256r1", "CurveP384", "secp384r1", "CurveP521", "secp521r1", "X25519", "x25519");

    /**
     * The headers {@code http_server_config.headers} may set, with their allowed values (empty: any value);
     * exporter-toolkit's {@code extraHTTPHeaders}, names compared case-sensitively as there.
     */
    private static final Map<String, List<String>> EXTRA_HEADERS = Map.of(
            "Strict-Transport-Security", List.of(),
            "X-Content-Type-Options", List.of("nosniff"),
            "X-Frame-Options", List.of("deny", "sameorigin"),
            "X-XSS-Protection", List.of(),
            "Content-Security-Policy", List.of());

    private final Path certFile;
    private final Path keyFile;
    private final Path clientCaFile;
    private final ClientAuth clientAuth;
    private final List<String> cipherSuites;
    private final List<String> namedGroups;
    private final String minVersion;
    private final String maxVersion;
    private final boolean preferServerCipherSuites;
    private final boolean tlsEnabled;
    private final boolean http2;
    private final Map<String, String> headers;
    private final Map<String, String> users;

    private WebConfig(Builder b) {
        this.certFile = b.certFile;
        this.keyFile = b.keyFile;
        this.clientCaFile = b.clientCaFile;
        this.clientAuth = b.clientAuth;
        this.cipherSuites = List.copyOf(b.cipherSuites);
        this.namedGroups = List.copyOf(b.namedGroups);
        this.minVersion = b.minVersion;
        this.maxVersion = b.maxVersion;
        this.preferServerCipherSuites = b.preferServerCipherSuites;
        this.tlsEnabled = b.tlsEnabled;
        this.http2 = b.http2;
        this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(b.headers));
        this.users = Collections.unmodifiableMap(new LinkedHashMap<>(b.users));
    }

    /** Reads and checks the file; the message of a refusal names the field as exporter-toolkit does. */
    public static WebConfig load(Path file) throws WebConfigException {
        final String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new WebConfigException(ioMessage(file, e));
        }
        // config_util.JoinDir(filepath.Dir(file), path): "web.yml" leaves paths as given,
        // "conf/web.yml" prefixes them with "conf"
        return parse(text, file.getParent());
    }

    /** Parses and checks a file's text; relative paths in it are resolved against {@code dir} (null: as given). */
    static WebConfig parse(String yaml, Path dir) throws WebConfigException {
        final Node root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new StringReader(yaml));
        } catch (MarkedYAMLException e) {
            throw new WebConfigException("yaml: line " + (e.getProblemMark().getLine() + 1) + ": " + e.getProblem());
        } catch (YAMLException e) {
            throw new WebConfigException("yaml: " + e.getMessage());
        }
        final Decoder d = new Decoder(dir);
        if (root != null && !isNull(root)) {
            d.config(root);
        }
        if (!d.typeErrors.isEmpty()) {
            throw new WebConfigException("yaml: unmarshal errors:\n  " + String.join("\n  ", d.typeErrors));
        }
        final Builder b = d.b;
        checkHeaders(b.headers);
        for (String hash : b.users.values()) {
            checkBcryptCost(hash);
        }
        checkTls(b, d.clientAuthText);
        return new WebConfig(b);
    }

    /** exporter-toolkit's {@code validateHeaderConfig}. */
    private static void checkHeaders(Map<String, String> headers) throws WebConfigException {
        for (Map.Entry<String, String> e : headers.entrySet()) {
            final List<String> allowed = EXTRA_HEADERS.get(e.getKey());
            if (allowed == null) {
                throw new WebConfigException("HTTP header \"" + e.getKey() + "\" can not be configured");
            }
            if (!allowed.isEmpty() && !allowed.contains(e.getValue())) {
                final StringBuilder values = new StringBuilder("[");
                for (String v : allowed) {
                    values.append(values.length() > 1 ? " \"" : "\"").append(v).append('"');
                }
                throw new WebConfigException("invalid value for " + e.getKey() + ". Expected one of: "
                        + values.append(']') + ", but got: \"" + e.getValue() + "\"");
            }
        }
    }

    /**
     * Go's {@code bcrypt.Cost}, which exporter-toolkit calls on every hash at start, with its error texts; then the
     * versions {@code at.favre.lib:bcrypt} verifies ({@code $2a$}, {@code $2b$}, {@code $2y$}). Go accepts any minor
     * letter here; a hash Cairn could never verify is refused instead of failing every login.
     */
    static void checkBcryptCost(String hash) throws WebConfigException {
        if (hash.length() < 59) {
            throw new WebConfigException("crypto/bcrypt: hashedSecret too short to be a bcrypted password");
        }
        if (hash.charAt(0) != '$') {
            throw new WebConfigException("crypto/bcrypt: bcrypt hashes must start with '$', but hashedSecret started"
                    + " with '" + hash.charAt(0) + "'");
        }
        if (hash.charAt(1) > '2') {
            throw new WebConfigException("crypto/bcrypt: bcrypt algorithm version '" + hash.charAt(1)
                    + "' requested is newer than current version '2'");
        }
        int n = 3;
        if (hash.charAt(2) != '$') {
            n++;
        }
        final String costText = hash.substring(n, n + 2);
        final int cost;
        try {
            cost = Integer.parseInt(costText);
        } catch (NumberFormatException e) {
            throw new WebConfigException("strconv.Atoi: parsing \"" + costText + "\": invalid syntax");
        }
        if (cost < 4 || cost > 31) {
            throw new WebConfigException("crypto/bcrypt: cost " + cost + " is outside allowed range (4,31)");
        }
        final String version = hash.substring(0, n);
        if (!version.equals("$2a$") && !version.equals("$2b$") && !version.equals("$2y$")) {
            throw new WebConfigException("bcrypt hash version " + version + " is not supported (expected $2a$, $2b$"
                    + " or $2y$)");
        }
    }

    /** exporter-toolkit's {@code ConfigToTLSConfig} checks, less loading the key pair (see {@link TlsContexts}). */
    private static void checkTls(Builder b, String clientAuthText) throws WebConfigException {
        b.tlsEnabled = b.certFile != null || b.keyFile != null || !clientAuthText.isEmpty() || b.clientCaFile != null;
        if (!b.tlsEnabled) {
            return;
        }
        if (b.certFile == null) {
            throw new WebConfigException("missing cert_file");
        }
        if (b.keyFile == null) {
            throw new WebConfigException("missing key_file");
        }
        for (Path p : new Path[] {b.certFile, b.keyFile}) {
            if (!Files.isReadable(p)) {
                throw new WebConfigException("failed to load X509KeyPair: " + ioMessage(p, readError(p)));
            }
        }
        if (b.clientCaFile != null && !Files.isReadable(b.clientCaFile)) {
            throw new WebConfigException(ioMessage(b.clientCaFile, readError(b.clientCaFile)));
        }
        switch (clientAuthText) {
            case "RequestClientCert":
                b.clientAuth = ClientAuth.REQUEST_CLIENT_CERT;
                break;
            case "RequireAnyClientCert":
            case "RequireClientCert": // kept upstream for backwards compatibility
                b.clientAuth = ClientAuth.REQUIRE_ANY_CLIENT_CERT;
                break;
            case "VerifyClientCertIfGiven":
                b.clientAuth = ClientAuth.VERIFY_CLIENT_CERT_IF_GIVEN;
                break;
            case "RequireAndVerifyClientCert":
                b.clientAuth = ClientAuth.REQUIRE_AND_VERIFY_CLIENT_CERT;
                break;
            case "":
            case "NoClientCert":
                b.clientAuth = ClientAuth.NO_CLIENT_CERT;
                break;
            default:
                throw new WebConfigException("Invalid ClientAuth: " + clientAuthText);
        }
        if (b.clientCaFile != null && b.clientAuth == ClientAuth.NO_CLIENT_CERT) {
            throw new WebConfigException("Client CA's have been configured without a Client Auth Policy");
        }
        // Go accepts min above max and then fails every handshake; a server nobody can reach is refused here
        if (PROTOCOLS.indexOf(b.minVersion) > PROTOCOLS.indexOf(b.maxVersion)) {
            throw new WebConfigException("min_version " + versionName(b.minVersion) + " is above max_version "
                    + versionName(b.maxVersion));
        }
    }

    private static String versionName(String protocol) {
        for (Map.Entry<String, String> e : TLS_VERSIONS.entrySet()) {
            if (e.getValue().equals(protocol)) {
                return e.getKey();
            }
        }
        return protocol;
    }

    private static IOException readError(Path p) {
        try {
            Files.newInputStream(p).close();
            return new IOException("permission denied");
        } catch (IOException e) {
            return e;
        }
    }

    /** An I/O error as Go's {@code os.ReadFile} words it: {@code open <path>: no such file or directory}. */
    static String ioMessage(Path p, IOException e) {
        if (e instanceof NoSuchFileException) {
            return "open " + p + ": no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "open " + p + ": permission denied";
        }
        return "open " + p + ": " + e.getMessage();
    }

    private static boolean isNull(Node n) {
        return n instanceof ScalarNode && n.getTag().equals(Tag.NULL);
    }

    /** The fields of the file, filled in by {@link Decoder}; defaults as exporter-toolkit's {@code getConfig}. */
    private static final class Builder {
        Path certFile;
        Path keyFile;
        Path clientCaFile;
        ClientAuth clientAuth = ClientAuth.NO_CLIENT_CERT;
        final List<String> cipherSuites = new ArrayList<>();
        final List<String> namedGroups = new ArrayList<>();
        String minVersion = DEFAULT_MIN_VERSION;
        String maxVersion = DEFAULT_MAX_VERSION;
        boolean preferServerCipherSuites = true;
        boolean tlsEnabled;
        boolean http2 = true;
        final Map<String, String> headers = new LinkedHashMap<>();
        final Map<String, String> users = new LinkedHashMap<>();
    }

    /**
     * Walks the YAML node tree as {@code yaml.v2}'s strict decoder walks it into exporter-toolkit's structs: type
     * mismatches, unknown and repeated fields are collected as "line N: ..." and reported together; an error of a
     * custom unmarshaller (cipher, curve, TLS version) stops at once.
     */
    private static final class Decoder {
        final Builder b = new Builder();
        final List<String> typeErrors = new ArrayList<>();
        final Path dir;
        String clientAuthText = "";

        Decoder(Path dir) {
            this.dir = dir;
        }

        void config(Node node) throws WebConfigException {
            for (NodeTuple t : fields(node, "web.Config")) {
                final Node v = t.getValueNode();
                switch (key(t)) {
                    case "tls_server_config":
                        tls(v);
                        break;
                    case "http_server_config":
                        http(v);
                        break;
                    case "basic_auth_users":
                        stringMap(v, "map[string]config.Secret", b.users);
                        break;
                    default:
                        unknownField(t, "web.Config");
                }
            }
        }

        private void tls(Node node) throws WebConfigException {
            for (NodeTuple t : fields(node, "web.TLSConfig")) {
                final Node v = t.getValueNode();
                switch (key(t)) {
                    case "cert_file":
                        b.certFile = path(string(v));
                        break;
                    case "key_file":
                        b.keyFile = path(string(v));
                        break;
                    case "client_ca_file":
                        b.clientCaFile = path(string(v));
                        break;
                    case "client_auth_type":
                        clientAuthText = string(v);
                        break;
                    case "cipher_suites":
                        b.cipherSuites.clear();
                        for (String name : strings(v, "[]web.Cipher")) {
                            if (!GO_CIPHER_SUITES.contains(name)) {
                                throw new WebConfigException("unknown cipher: " + name);
                            }
                            b.cipherSuites.add(name);
                        }
                        break;
                    case "curve_preferences":
                        b.namedGroups.clear();
                        for (String name : strings(v, "[]web.Curve")) {
                            final String group = CURVES.get(name);
                            if (group == null) {
                                throw new WebConfigException("unknown curve: " + name);
                            }
                            b.namedGroups.add(group);
                        }
                        break;
                    case "min_version":
                        b.minVersion = version(v);
                        break;
                    case "max_version":
                        b.maxVersion = version(v);
                        break;
                    case "prefer_server_cipher_suites":
                        b.preferServerCipherSuites = bool(v, b.preferServerCipherSuites);
                        break;
                    default:
                        unknownField(t, "web.TLSConfig");
                }
            }
        }

        private void http(Node node) {
            for (NodeTuple t : fields(node, "web.HTTPConfig")) {
                final Node v = t.getValueNode();
                switch (key(t)) {
                    case "http2":
                        b.http2 = bool(v, b.http2);
                        break;
                    case "headers":
                        stringMap(v, "map[string]string", b.headers);
                        break;
                    default:
                        unknownField(t, "web.HTTPConfig");
                }
            }
        }

        /** The key/value pairs of a struct, once each; repeated fields become type errors as in yaml.v2. */
        private List<NodeTuple> fields(Node node, String goType) {
            if (isNull(node)) {
                return List.of();
            }
            if (!(node instanceof MappingNode)) {
                typeError(node, goType);
                return List.of();
            }
            final List<NodeTuple> fields = new ArrayList<>();
            final Set<String> seen = new HashSet<>();
            for (NodeTuple t : ((MappingNode) node).getValue()) {
                if (!seen.add(key(t))) {
                    typeErrors.add("line " + line(t.getKeyNode()) + ": field " + key(t) + " already set in type "
                            + goType);
                    continue;
                }
                fields.add(t);
            }
            return fields;
        }

        private void unknownField(NodeTuple t, String goType) {
            typeErrors.add("line " + line(t.getKeyNode()) + ": field " + key(t) + " not found in type " + goType);
        }

        private void stringMap(Node node, String goType, Map<String, String> into) {
            if (isNull(node)) {
                return;
            }
            if (!(node instanceof MappingNode)) {
                typeError(node, goType);
                return;
            }
            for (NodeTuple t : ((MappingNode) node).getValue()) {
                final String k = key(t);
                if (into.containsKey(k)) {
                    typeErrors.add("line " + line(t.getKeyNode()) + ": key \"" + k + "\" already set in map");
                    continue;
                }
                into.put(k, string(t.getValueNode()));
            }
        }

        private List<String> strings(Node node, String goType) {
            if (isNull(node)) {
                return List.of();
            }
            if (!(node instanceof SequenceNode)) {
                typeError(node, goType);
                return List.of();
            }
            final List<String> out = new ArrayList<>();
            for (Node item : ((SequenceNode) node).getValue()) {
                out.add(string(item));
            }
            return out;
        }

        private String version(Node node) throws WebConfigException {
            final String text = string(node);
            final String protocol = TLS_VERSIONS.get(text);
            if (protocol == null) {
                throw new WebConfigException("unknown TLS version: " + text);
            }
            return protocol;
        }

        /** A scalar as a Go string field takes it: any scalar's text, null as empty. */
        private String string(Node node) {
            if (node instanceof ScalarNode) {
                return isNull(node) ? "" : ((ScalarNode) node).getValue();
            }
            typeError(node, "string");
            return "";
        }

        private boolean bool(Node node, boolean current) {
            if (isNull(node)) {
                return false; // yaml.v2 zeroes a field given as null
            }
            if (node instanceof ScalarNode && node.getTag().equals(Tag.BOOL)) {
                final String v = ((ScalarNode) node).getValue().toLowerCase(Locale.ROOT);
                return v.equals("true") || v.equals("yes") || v.equals("on");
            }
            typeError(node, "bool");
            return current;
        }

        private Path path(String text) {
            if (text.isEmpty()) {
                return null;
            }
            final Path p = Path.of(text);
            return dir == null || p.isAbsolute() ? p : dir.resolve(p); // config_util.JoinDir
        }

        /** yaml.v2's {@code terror}: {@code line 2: cannot unmarshal !!str `maybe` into bool}. */
        private void typeError(Node node, String goType) {
            String tag = node.getTag().getValue();
            if (tag.startsWith(Tag.PREFIX)) {
                tag = "!!" + tag.substring(Tag.PREFIX.length());
            }
            String value = "";
            if (node instanceof ScalarNode) {
                final String v = ((ScalarNode) node).getValue();
                value = v.length() > 10 ? " `" + v.substring(0, 7) + "...`" : " `" + v + "`";
            }
            typeErrors.add("line " + line(node) + ": cannot unmarshal " + tag + value + " into " + goType);
        }

        private static String key(NodeTuple t) {
            final Node k = t.getKeyNode();
            return k instanceof ScalarNode ? ((ScalarNode) k).getValue() : String.valueOf(k.getTag());
        }

        private static int line(Node node) {
            return node.getStartMark().getLine() + 1;
        }
    }

    /** Whether the file turns TLS on (any of cert_file, key_file, client_auth_type, client_ca_file set). */
    public boolean tlsEnabled() {
        return tlsEnabled;
    }

    public Path certFile() {
        return certFile;
    }

    public Path keyFile() {
        return keyFile;
    }

    /** {@code client_ca_file}; null when not set (verification then uses the JDK's default trust store). */
    public Path clientCaFile() {
        return clientCaFile;
    }

    public ClientAuth clientAuth() {
        return clientAuth;
    }

    /** JSSE names of the TLS 1.0–1.2 suites, in preference order; empty for the provider's defaults. */
    public List<String> cipherSuites() {
        return cipherSuites;
    }

    /** JSSE named groups, in preference order; empty for the provider's defaults. */
    public List<String> namedGroups() {
        return namedGroups;
    }

    /** JSSE protocol name, e.g. {@code TLSv1.2}. */
    public String minVersion() {
        return minVersion;
    }

    public String maxVersion() {
        return maxVersion;
    }

    /** The JSSE protocol names from {@link #minVersion()} to {@link #maxVersion()}. */
    public List<String> protocols() {
        return PROTOCOLS.subList(PROTOCOLS.indexOf(minVersion), PROTOCOLS.indexOf(maxVersion) + 1);
    }

    public boolean preferServerCipherSuites() {
        return preferServerCipherSuites;
    }

    public boolean http2() {
        return http2;
    }

    /** Extra response headers, in file order. */
    public Map<String, String> headers() {
        return headers;
    }

    /** User name to bcrypt hash, in file order; empty: no authentication. */
    public Map<String, String> users() {
        return users;
    }
}
