package io.cairn.server.http;

/**
 * The behaviour switches of the command line that the request handlers consult.
 *
 * @param enableLifecycle  {@code --web.enable-lifecycle}: {@code /-/quit} stops the gateway
 * @param enableAdminApi   {@code --web.enable-admin-api}: {@code /api/v1/admin/wipe}
 * @param checkConsistency not {@code --push.disable-consistency-check}: pushes are answered once applied
 * @param utf8Names        {@code --push.enable-utf8-names}
 * @param openMetrics      {@code --web.enable-openmetrics}: scrapes may be answered in OpenMetrics
 */
public record Switches(boolean enableLifecycle, boolean enableAdminApi, boolean checkConsistency, boolean utf8Names,
                       boolean openMetrics) {
}
