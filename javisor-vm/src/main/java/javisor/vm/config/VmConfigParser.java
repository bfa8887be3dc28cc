package javisor.vm.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

import javisor.vm.toml.TomlException;
import javisor.vm.toml.TomlParser;
import javisor.vm.toml.TomlValue.TableValue;

/** Reads VM configs from text or files. Every failure is a {@link ConfigException}. */
public final class VmConfigParser {
    /** The largest config accepted, in bytes (and in characters for text), far above any real config. */
    public static final int MAX_CONFIG_BYTES = 1 << 20;
    /** How a config without a file is named in messages. */
    public static final String STRING_SOURCE = "<string>";

    private VmConfigParser() {
    }

    /**
     * Parses config text.
     *
     * @param source the file the text came from: named in messages, and the base for relative paths
     */
    public static VmConfig parse(String text, Optional<Path> source) {
        String name = sourceName(source);
        if (text.length() > MAX_CONFIG_BYTES) {
            throw new ConfigException(name, 0, 0, "", "config is larger than " + MAX_CONFIG_BYTES + " bytes");
        }
        TableValue document;
        try {
            document = TomlParser.parse(text, name);
        } catch (TomlException e) {
            throw new ConfigException(e.source(), e.line(), e.column(), e.keyPath(), e.detail(), e);
        }
        return new VmConfigMapper(name, source).vmConfig(document);
    }

    /** Reads and parses a config file, which must be UTF-8 and at most {@link #MAX_CONFIG_BYTES} long. */
    public static VmConfig load(Path file) {
        return parse(read(file), Optional.of(file));
    }

    /** Reads a {@code --limits} file: TOML with one {@code [limits]} table. */
    static LimitsConfig loadLimits(Path file) {
        String name = file.toString();
        String text = read(file);
        TableValue document;
        try {
            document = TomlParser.parse(text, name);
        } catch (TomlException e) {
            throw new ConfigException(e.source(), e.line(), e.column(), e.keyPath(), e.detail(), e);
        }
        return new VmConfigMapper(name, Optional.of(file)).limitsFile(document);
    }

    static String sourceName(Optional<Path> source) {
        return source.map(Path::toString).orElse(STRING_SOURCE);
    }

    private static String read(Path file) {
        String name = file.toString();
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            // read one byte more than allowed rather than trusting the size, which may change or be unknown
            bytes = in.readNBytes(MAX_CONFIG_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new ConfigException(name, 0, 0, "", "no such file", e);
        } catch (IOException e) {
            throw new ConfigException(name, 0, 0, "", "cannot read the file: " + e, e);
        }
        if (bytes.length > MAX_CONFIG_BYTES) {
            throw new ConfigException(name, 0, 0, "", "file is larger than " + MAX_CONFIG_BYTES
                    + " bytes; a VM config is a few hundred bytes");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(name, lineOfFirstBadByte(bytes), 0, "", "the file is not valid UTF-8", e);
        }
    }

    /** The line holding the first byte that is not valid UTF-8, so the user can find it. */
    private static int lineOfFirstBadByte(byte[] bytes) {
        int line = 1;
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        for (int start = 0, i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                try {
                    decoder.reset().decode(ByteBuffer.wrap(bytes, start, i - start));
                } catch (CharacterCodingException e) {
                    return line;
                }
                line++;
                start = i + 1;
            }
        }
        return line;
    }
}
