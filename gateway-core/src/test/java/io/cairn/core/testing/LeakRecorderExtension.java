package io.cairn.core.testing;

import org.junit.jupiter.api.extension.Extension;

/**
 * Installs {@link LeakRecorder} when JUnit starts, before any test class touches a buffer (registered through
 * {@code META-INF/services} and extension auto-detection in {@code junit-platform.properties}).
 */
public final class LeakRecorderExtension implements Extension {
    public LeakRecorderExtension() {
        LeakRecorder.install();
    }
}
