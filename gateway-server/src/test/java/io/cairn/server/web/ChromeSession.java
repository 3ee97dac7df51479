package io.cairn.server.web;

import io.cairn.server.migrate.JsonParser;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A headless Chromium driven through the system's {@code chromedriver} with the W3C WebDriver protocol, over
 * {@link HttpClient}: the dozen commands the UI tests need and no browser-driver download or other network
 * access. Debian's {@code chromium} and {@code chromium-driver} provide {@value #CHROMIUM} and {@value
 * #CHROMEDRIVER}; {@link #available()} says whether they are installed.
 *
 * <p>Elements are the driver's element references, passed back as they came.
 */
final class ChromeSession implements AutoCloseable {
    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Process driver;
    private final Path profile;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final String base;
    private final String session;

    static boolean available() {
        return Files.isExecutable(Path.of(CHROMIUM)) && Files.isExecutable(Path.of(CHROMEDRIVER));
    }

    /** Starts {@code chromedriver} and a headless browser with a fresh profile and a window of this size. */
    ChromeSession(int width, int height) throws IOException, InterruptedException {
        final int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        profile = Files.createTempDirectory("cairn-chromium-");
        driver = new ProcessBuilder(CHROMEDRIVER, "--port=" + port, "--allowed-ips=127.0.0.1")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        base = "http://127.0.0.1:" + port;
        String id = null;
        try {
            waitFor(() -> ready(), "chromedriver to listen on port " + port);
            final List<String> args = List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars", "--force-color-profile=srgb",
                    "--window-size=" + width + "," + height, "--user-data-dir=" + profile);
            final Map<String, Object> options = Map.of("binary", CHROMIUM, "args", args);
            final Object answer = command("POST", "/session", Map.of("capabilities",
                    Map.of("alwaysMatch", Map.of("browserName", "chrome", "goog:chromeOptions", options))));
            id = (String) ((Map<?, ?>) answer).get("sessionId");
        } finally {
            if (id == null) {
                stopDriver();
            }
        }
        session = "/session/" + id;
    }

    void open(String url) throws IOException, InterruptedException {
        command("POST", session + "/url", Map.of("url", url));
    }

    /** The first element that matches a CSS selector; fails when none does. */
    Object find(String css) throws IOException, InterruptedException {
        return command("POST", session + "/element", Map.of("using", "css selector", "value", css));
    }

    List<?> findAll(String css) throws IOException, InterruptedException {
        return (List<?>) command("POST", session + "/elements", Map.of("using", "css selector", "value", css));
    }

    void click(Object element) throws IOException, InterruptedException {
        command("POST", session + "/element/" + id(element) + "/click", Map.of());
    }

    void type(Object element, String text) throws IOException, InterruptedException {
        command("POST", session + "/element/" + id(element) + "/value", Map.of("text", text));
    }

    void clear(Object element) throws IOException, InterruptedException {
        command("POST", session + "/element/" + id(element) + "/clear", Map.of());
    }

    /** The rendered text of an element, as a user sees it. */
    String text(Object element) throws IOException, InterruptedException {
        return (String) command("GET", session + "/element/" + id(element) + "/text", null);
    }

    /** Runs a script in the page; its result as {@link JsonParser} reads JSON (numbers as BigDecimal). */
    Object script(String script, Object... args) throws IOException, InterruptedException {
        return command("POST", session + "/execute/sync", Map.of("script", script, "args", List.of(args)));
    }

    /** Waits until the script returns {@code true}, polling; fails with {@code what} after a generous timeout. */
    void waitUntil(String script, String what) throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!Boolean.TRUE.equals(script(script))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    /** A PNG of the whole page at the window's width. */
    byte[] screenshot() throws IOException, InterruptedException {
        return Base64.getDecoder().decode((String) command("GET", session + "/screenshot", null));
    }

    @Override
    public void close() throws IOException {
        try {
            command("DELETE", session, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stopDriver();
        }
    }

    private void stopDriver() throws IOException {
        driver.destroy();
        try {
            if (!driver.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                driver.destroyForcibly();
            }
        } catch (InterruptedException e) {
            driver.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(profile)) {
            final List<Path> all = new ArrayList<>(files.sorted(Comparator.reverseOrder()).toList());
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        }
    }

    private boolean ready() {
        try {
            final HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/status"))
                    .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && response.body().contains("\"ready\":true");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    /** An element reference is an object with one key, the W3C element identifier, whose value is the id. */
    private static String id(Object element) {
        final Map<?, ?> reference = (Map<?, ?>) element;
        if (reference.size() != 1) {
            throw new IllegalArgumentException("not an element reference: " + element);
        }
        return (String) reference.values().iterator().next();
    }

    /** Sends one command and returns the {@code value} of its answer; an error answer fails with its message. */
    private Object command(String method, String path, Object body) throws IOException, InterruptedException {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT)
                .header("Content-Type", "application/json; charset=utf-8");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json(body), StandardCharsets.UTF_8));
        final HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        final Object value;
        try {
            value = ((Map<?, ?>) JsonParser.parse(response.body())).get("value");
        } catch (JsonParser.JsonException e) {
            throw new IOException("chromedriver answered " + method + " " + path + " with " + response.statusCode()
                    + " and a body that is not JSON: " + e.getMessage(), e);
        }
        if (response.statusCode() != 200) {
            final Map<?, ?> error = (Map<?, ?>) value;
            throw new IOException("WebDriver " + method + " " + path + " failed: " + error.get("error") + ": "
                    + error.get("message"));
        }
        return value;
    }

    /** JSON for the request bodies: maps, lists, strings, numbers, booleans and null. */
    private static String json(Object value) {
        final StringBuilder sb = new StringBuilder();
        writeJson(sb, value);
        return sb.toString();
    }

    private static void writeJson(StringBuilder sb, Object value) {
        if (value == null || value instanceof Boolean || value instanceof Number) {
            sb.append(value);
        } else if (value instanceof String) {
            sb.append('"');
            for (char c : ((String) value).toCharArray()) {
                if (c == '"' || c == '\\') {
                    sb.append('\\').append(c);
                } else if (c < 0x20) {
                    sb.append(String.format("\\u%04x", (int) c));
                } else {
                    sb.append(c);
                }
            }
            sb.append('"');
        } else if (value instanceof Map) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                writeJson(sb, String.valueOf(e.getKey()));
                sb.append(':');
                writeJson(sb, e.getValue());
            }
            sb.append('}');
        } else if (value instanceof List) {
            sb.append('[');
            boolean first = true;
            for (Object item : (List<?>) value) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                writeJson(sb, item);
            }
            sb.append(']');
        } else {
            throw new IllegalArgumentException("no JSON for " + value.getClass());
        }
    }
}
