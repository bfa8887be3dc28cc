package javisor.vmm.control;

import java.util.List;
import java.util.Map;

import javisor.vmm.shell.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(10)
class JsonTest {
    @Test
    void writesNestedObjectsAndArraysWithCommas() {
        String s = new Json().beginObject().name("vms").beginArray()
                .beginObject().member("id", 1).member("name", "a").endObject()
                .beginObject().member("id", 2).endObject()
                .endArray().member("n", -3).endObject().toString();
        assertThat(s).isEqualTo("{\"vms\":[{\"id\":1,\"name\":\"a\"},{\"id\":2}],\"n\":-3}");
    }

    @Test
    void emptyContainers() {
        assertThat(new Json().beginObject().name("vms").beginArray().endArray().endObject().toString())
                .isEqualTo("{\"vms\":[]}");
    }

    @Test
    void escapesEveryStringSoItParsesBack() {
        String nasty = "q\"b\\s/\n\r\t\b\f\u0001\u007f\u2028é😀" + "\ud800" + "x";
        String s = new Json().beginObject().member("name", nasty).endObject().toString();
        assertThat(s).doesNotContain("\n").contains("\\\"").contains("\\\\").contains("\\u0001").contains("\\ud800");
        assertThat(JsonParser.parse(s)).isEqualTo(Map.of("name", nasty));
    }

    @Test
    void deepNestingGrowsTheStack() {
        Json j = new Json();
        for (int i = 0; i < 20; i++) {
            j.beginArray().value(i);
        }
        for (int i = 0; i < 20; i++) {
            j.endArray();
        }
        Object parsed = JsonParser.parse(j.toString());
        assertThat(parsed).isInstanceOf(List.class);
        assertThat(j.toString()).startsWith("[0,[1,[2,");
    }
}
