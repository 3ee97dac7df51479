package io.cairn.core.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** File-system steps that make a created or renamed file survive a crash of the machine. */
final class Durability {
    private Durability() {
    }

    /** Forces a directory's entries (a file created or renamed in it) to the device, where the platform can. */
    static void syncDirectory(Path directory) throws IOException {
        if (directory == null) {
            return;
        }
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // some platforms and file systems cannot open or force a directory; the data itself is forced
            if (!System.getProperty("os.name", "").startsWith("Windows")) {
                throw e;
            }
        }
    }
}
