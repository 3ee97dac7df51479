package io.cairn.server.migrate;

import io.cairn.server.migrate.MigrateOptions.UsageException;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * {@code cairn migrate}: copies every group of a running Go Pushgateway into a running Cairn. Reads the old
 * gateway's {@code GET /api/v1/metrics} once ({@link ApiMetricsParser}), then pushes each group with {@code PUT}
 * to its path on the new gateway ({@link GroupPath}), its families written in text format 0.0.4
 * ({@link GroupTextRenderer}). A PUT replaces the whole group, so running the migration again gives the same
 * result.
 *
 * <p>Output, one line per group on {@code out}, sorted by job then grouping key:
 * <pre>
 * ok      {job="basic"} 9 families, 11 series
 * note    {job="native"} nh: native histogram buckets cannot be migrated through the API ...
 * FAILED  {job="x"} PUT http://127.0.0.1:9091/metrics/job/x answered 400: pushed metrics are invalid ...
 * migrated 13 of 14 groups (40 families, 80 series) in 0.42 s; 1 group failed
 * </pre>
 * Errors that stop everything (flags, the old gateway cannot be read) go to {@code err}.
 *
 * <p>Exit status: {@value #EXIT_OK} when every group was migrated (or, with {@code --dry-run}, could be),
 * {@value #EXIT_GROUPS_FAILED} when one or more groups failed, {@value #EXIT_NOTHING_PUSHED} when nothing was
 * pushed: bad flags, the new gateway does not answer {@code GET /-/ready} with 200 (checked first, except in a
 * dry run), or the old gateway cannot be read. Timeouts: {@value #CONNECT_TIMEOUT_SECONDS} s to connect,
 * {@value #REQUEST_TIMEOUT_SECONDS} s per request. Answers that are not a success are shown with at most
 * {@value #MAX_ANSWER_CHARS} characters of their body; the summary lists at most {@value #MAX_FAILED_LISTED}
 * failed groups.
 */
public final class Migrate {
    static final int EXIT_OK = 0;
    static final int EXIT_GROUPS_FAILED = 1;
    static final int EXIT_NOTHING_PUSHED = 2;
    static final int CONNECT_TIMEOUT_SECONDS = 10;
    static final int REQUEST_TIMEOUT_SECONDS = 60;
    static final int MAX_ANSWER_CHARS = 2000;
    static final String PROGRAM = "cairn migrate";
    static final String API_PATH = "/api/v1/metrics";
    static final String READY_PATH = "/-/ready";
    static final int MAX_FAILED_LISTED = 20;
    static final String TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Comparator<Group> ORDER = Comparator
            .comparing((Group g) -> g.key() == null)
            .thenComparing(g -> g.key() == null ? "" : g.key().get("job"))
            .thenComparing(Group::describe)
            .thenComparing(Group::where);

    private final MigrateOptions options;
    private final HttpClient client;
    private final PrintStream out;
    private final PrintStream err;
    /** Groups answered with 202: accepted before any check. */
    private int unchecked;

    private Migrate(MigrateOptions options, HttpClient client, PrintStream out, PrintStream err) {
        this.options = options;
        this.client = client;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs {@code cairn migrate} with the arguments that follow {@code migrate}.
     *
     * @return the exit status
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        final MigrateOptions options;
        try {
            options = MigrateOptions.parse(args);
        } catch (UsageException e) {
            err.println(PROGRAM + ": error: " + e.getMessage() + ", try --help");
            err.flush();
            return EXIT_NOTHING_PUSHED;
        }
        if (options.help()) {
            out.print(MigrateOptions.HELP);
            out.flush();
            return EXIT_OK;
        }
        final HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(CONNECT_TIMEOUT_SECONDS))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        try {
            return new Migrate(options, client, out, err).migrate();
        } finally {
            out.flush();
            err.flush();
        }
    }

    private int migrate() {
        final long startNs = System.nanoTime();
        // pushes to the old gateway from this instant on may be missing from what is read
        final Instant asOf = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        final String source = options.from().base() + API_PATH;
        final List<Group> groups;
        try {
            if (!options.dryRun()) {
                checkNewGatewayReady();
            }
            out.println("reading " + source);
            groups = readOldGateway(source);
        } catch (MigrationException e) {
            err.println(PROGRAM + ": error: " + e.getMessage());
            return EXIT_NOTHING_PUSHED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println(PROGRAM + ": error: interrupted before pushing anything");
            return EXIT_NOTHING_PUSHED;
        }
        out.println("read " + plural(groups.size(), "group", "groups") + ", as of " + asOf + " (unix time "
                + String.format(Locale.ROOT, "%d.%03d", asOf.getEpochSecond(), asOf.getNano() / 1_000_000) + ")"
                + (options.dryRun() ? "; dry run: nothing is pushed to " : "; pushing them to ")
                + options.to().base());

        groups.sort(ORDER);
        int migrated = 0;
        int families = 0;
        int series = 0;
        final List<String> failed = new ArrayList<>();
        for (Group group : groups) {
            final String problem;
            try {
                problem = migrate(group);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                err.println(PROGRAM + ": error: interrupted while pushing " + group.describe());
                return EXIT_GROUPS_FAILED;
            }
            if (problem == null) {
                migrated++;
                families += group.families().size();
                series += group.seriesCount();
                out.println("ok      " + group.describe() + " " + plural(group.families().size(), "family",
                        "families") + ", " + plural(group.seriesCount(), "series", "series"));
            } else {
                failed.add(group.describe());
                out.println("FAILED  " + group.describe() + " " + problem);
            }
            for (String note : group.notes()) {
                out.println("note    " + group.describe() + " " + note);
            }
        }
        final double seconds = (System.nanoTime() - startNs) / 1e9;
        final StringBuilder summary = new StringBuilder();
        summary.append(options.dryRun() ? "dry run: would migrate " : "migrated ")
                .append(migrated).append(" of ").append(plural(groups.size(), "group", "groups"))
                .append(" (").append(plural(families, "family", "families")).append(", ")
                .append(plural(series, "series", "series")).append(") from ").append(options.from().base())
                .append(" to ").append(options.to().base())
                .append(String.format(Locale.ROOT, " in %.2f s", seconds));
        if (!failed.isEmpty()) {
            summary.append("; ").append(plural(failed.size(), "group", "groups"))
                    .append(options.dryRun() ? " cannot be migrated: " : " failed: ")
                    .append(String.join(" ", failed.subList(0, Math.min(failed.size(), MAX_FAILED_LISTED))));
            if (failed.size() > MAX_FAILED_LISTED) {
                summary.append(" and ").append(failed.size() - MAX_FAILED_LISTED).append(" more");
            }
        }
        out.println(summary);
        if (unchecked > 0) {
            out.println("note: the new gateway answered 202 to " + plural(unchecked, "push", "pushes") + ": it runs"
                    + " with --push.disable-consistency-check and checks pushes after answering; a push it rejects"
                    + " only sets push_failure_time_seconds of its group");
        }
        return failed.isEmpty() ? EXIT_OK : EXIT_GROUPS_FAILED;
    }

    /** Pushes (or, in a dry run, prints) one group; {@code null} on success, else what went wrong. */
    private String migrate(Group group) throws InterruptedException {
        if (group.error() != null) {
            return "cannot be read from the old gateway's JSON: " + group.error();
        }
        final String url = options.to().base() + GroupPath.of(group.key());
        final String body = GroupTextRenderer.render(group);
        if (options.dryRun()) {
            out.println("PUT " + url);
            out.print(body.isEmpty() ? "(empty body: the group holds nothing but its push timestamps)\n" : body);
            out.println();
            return null;
        }
        final HttpRequest.Builder request = request(url, options.to().authorization())
                .header("Content-Type", TEXT_CONTENT_TYPE)
                .PUT(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        final HttpResponse<byte[]> answer;
        try {
            answer = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            return "PUT " + url + ": " + describe(e);
        }
        if (answer.statusCode() == 200) {
            return null;
        }
        if (answer.statusCode() == 202) {
            // the new gateway runs with --push.disable-consistency-check: it answers before checking the push
            unchecked++;
            return null;
        }
        return "PUT " + url + " answered " + answer.statusCode() + ": " + shown(answer.body());
    }

    /** A request to {@code url} with the timeout and, when the URL carried credentials, their header. */
    private static HttpRequest.Builder request(String url, String authorization) {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(REQUEST_TIMEOUT_SECONDS));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return request;
    }

    /** {@code GET /-/ready} of the new gateway: a gateway that is down or not ready fails before any push. */
    private void checkNewGatewayReady() throws MigrationException, InterruptedException {
        final String url = options.to().base() + READY_PATH;
        final HttpRequest.Builder request = request(url, options.to().authorization()).GET();
        final HttpResponse<byte[]> answer;
        try {
            answer = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new MigrationException("cannot reach the new gateway: GET " + url + ": " + describe(e));
        }
        if (answer.statusCode() != 200) {
            throw new MigrationException("the new gateway is not ready: GET " + url + " answered "
                    + answer.statusCode() + ": " + shown(answer.body()));
        }
    }

    private List<Group> readOldGateway(String url) throws MigrationException, InterruptedException {
        final HttpRequest.Builder request = request(url, options.from().authorization())
                .header("Accept", "application/json")
                .GET();
        final HttpResponse<byte[]> answer;
        try {
            answer = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new MigrationException("cannot read the old gateway: GET " + url + ": " + describe(e));
        }
        if (answer.statusCode() != 200) {
            String hint = "";
            if (answer.statusCode() == 404) {
                hint = " (the JSON API exists since Pushgateway 1.2.0; does --from name the gateway's base URL,"
                        + " with its --web.route-prefix?)";
            } else if (answer.statusCode() / 100 == 3) {
                hint = " (redirected to " + answer.headers().firstValue("Location").orElse("nowhere")
                        + "; give that URL as --from)";
            }
            throw new MigrationException("cannot read the old gateway: GET " + url + " answered "
                    + answer.statusCode() + hint + ": "
                    + shown(answer.body()));
        }
        final String contentType = answer.headers().firstValue("Content-Type").orElse("none");
        try {
            return new ArrayList<>(ApiMetricsParser.parse(answer.body()));
        } catch (JsonParser.JsonException e) {
            throw new MigrationException("cannot read the old gateway: GET " + url + " answered 200 with a body"
                    + " that is not JSON (Content-Type: " + contentType + ", " + answer.body().length + " bytes): "
                    + e.getMessage());
        } catch (ApiMetricsParser.ShapeException e) {
            throw new MigrationException("cannot read the old gateway: GET " + url + " answered JSON that is not"
                    + " a /api/v1/metrics answer: " + e.getMessage());
        }
    }

    /** What went wrong with a request, in words: {@code connection refused}, {@code unknown host}, ... */
    static String describe(IOException e) {
        if (e instanceof HttpConnectTimeoutException) {
            return "no connection within " + CONNECT_TIMEOUT_SECONDS + " s";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer within " + REQUEST_TIMEOUT_SECONDS + " s";
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
                return "unknown host";
            }
            if (t instanceof SSLException) {
                return "TLS failed: " + t.getMessage();
            }
        }
        if (e instanceof ConnectException) {
            final String detail = deepestMessage(e);
            return detail == null || detail.equalsIgnoreCase("Connection refused") ? "connection refused"
                    : "cannot connect: " + detail;
        }
        final String detail = deepestMessage(e);
        if (detail == null) {
            return e.getClass().getSimpleName();
        }
        // the JDK's words for a connection closed by the other side before its answer was complete
        if (detail.contains("EOF") || detail.contains("received no bytes")) {
            return "the connection closed before a complete answer (" + detail + ")";
        }
        return detail;
    }

    private static String deepestMessage(Throwable e) {
        String message = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isEmpty()) {
                message = t.getMessage();
            }
        }
        return message;
    }

    /** An answer body for a message: trimmed, at most {@value #MAX_ANSWER_CHARS} characters. */
    static String shown(byte[] body) {
        final String text = new String(body, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            return "(empty body)";
        }
        if (text.length() <= MAX_ANSWER_CHARS) {
            return text;
        }
        return text.substring(0, MAX_ANSWER_CHARS) + "... (" + (text.length() - MAX_ANSWER_CHARS)
                + " more characters)";
    }

    private static String plural(int n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }

    /** Nothing can be pushed; the message says which request failed and why. */
    private static final class MigrationException extends Exception {
        private static final long serialVersionUID = 1L;

        MigrationException(String message) {
            super(message, null, false, false);
        }
    }
}
