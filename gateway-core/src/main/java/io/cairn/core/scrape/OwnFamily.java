package io.cairn.core.scrape;

import io.cairn.core.model.MetricType;
import io.netty.buffer.ByteBuf;

/**
 * A family the gateway exposes about itself (build info, HTTP requests, process and JVM figures), rendered fresh
 * for each scrape and merged with the pushed families by name. Its HELP wins over a pushed family's of the same
 * name, as the Pushgateway rewrites such HELP texts.
 */
public final class OwnFamily {
    private final String name;
    private final MetricType type;
    private final String help;
    private final ByteBuf lines;

    /** {@code lines} are text 0.0.4 sample lines; the scrape takes ownership of the buffer. */
    public OwnFamily(String name, MetricType type, String help, ByteBuf lines) {
        this.name = name;
        this.type = type;
        this.help = help;
        this.lines = lines;
    }

    public String name() {
        return name;
    }

    public MetricType type() {
        return type;
    }

    public String help() {
        return help;
    }

    public ByteBuf lines() {
        return lines;
    }
}
