package javisor.api.hypervisor;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import javisor.sys.kvm.Kvm;
import javisor.vm.VmState;
import javisor.vmm.ConfigSources;
import javisor.vmm.Vmm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.remote.http.ClientConfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The web console end to end: a hypervisor with uart_echo.elf (it prints a prompt, then echoes what its UART
 * receives) in this JVM, its multi-VM API with the web console on loopback, and the page in Debian's headless
 * Chromium (its headless shell) driven by Selenium through Debian's chromedriver. Tagged kvm: the VM needs KVM, so
 * this JVM, the server and Chromium all run in the KVM box on a host without /dev/kvm (Chromium from the host's root
 * file system).
 */
@Tag("kvm")
class WebConsoleIT {
    private static final Path ROOT = Path.of(System.getProperty("javisor.root", "..")).toAbsolutePath().normalize();
    private static final Path GUESTS = Path.of(System.getProperty("javisor.guests.dir",
            ROOT.resolve("guests/target/guests").toString()));
    /**
     * Debian's packages (chromium-headless-shell, chromium-driver), by explicit paths so that Selenium Manager never
     * downloads one. The headless shell is Chromium's own engine without the browser around it, from the same
     * source and version as Debian's chromium: it starts in 15 s in the box, where chromium takes 35 to 120 s.
     * {@code -Djavisor.test.chromium=/usr/bin/chromium} runs the whole browser instead.
     */
    private static final String CHROMIUM = System.getProperty("javisor.test.chromium",
            "/usr/lib/chromium/chromium-headless-shell");
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    /** JVMs run about ten times slower in the box, Chromium's start thirty: bounds against hangs, not measures. */
    private static final boolean IN_BOX = System.getenv("JAVISOR_IN_BOX") != null;
    /** How much longer than here the page's reactions may take in the box. */
    private static final long SLOW = IN_BOX ? 4 : 1;

    @TempDir
    Path tmp;
    private final String token = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
    /** The guest's console as the hypervisor's own sink sees it (ByteArrayOutputStream's methods are synchronized). */
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private Vmm vmm;
    private VmsServer server;
    private ChromeDriver browser;

    @BeforeEach
    void hypervisorAndServer() throws Exception {
        var cause = Kvm.unavailabilityCause();
        assertTrue(cause.isEmpty(), () -> "needs /dev/kvm: " + cause.orElse(""));
        Path image = GUESTS.resolve("uart_echo.elf");
        assertTrue(Files.isRegularFile(image), "guest image missing (the guests module builds it): " + image);
        Path config = Files.writeString(tmp.resolve("echo.toml"), """
                [base]
                id = 1
                name = "echo"
                vm_type = 1
                cpu_num = 1
                [kernel]
                entry_point = 0x100000
                kernel_path = "%s"
                kernel_load_addr = 0x100000
                memory_regions = [[0x0, 0x400000, 0x7, 0]]
                [devices]
                """.formatted(image));
        vmm = Vmm.init(List.of(ConfigSources.fromFile(config)), c -> console);
        server = VmsServer.start(vmm, new VmsServer.Settings(Optional.empty(),
                Optional.of(new InetSocketAddress("127.0.0.1", 0)), token));
    }

    @AfterEach
    void close() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
        if (vmm != null) {
            vmm.close();
        }
    }

    @Test
    @Timeout(120)
    void overTcpEveryRequestNeedsTheToken() throws Exception {
        URI page = server.webUri().orElseThrow();
        assertThat(page.getHost()).as("loopback unless told otherwise").isEqualTo("127.0.0.1");
        assertThat(page.getPath()).isEqualTo("/ui/");
        assertThat(page.getQuery()).isEqualTo("token=" + token);
        int port = page.getPort();

        Answer none = Answer.of(port, "GET /vms", "");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.body()).contains("\"error\"");
        assertThat(Answer.of(port, "GET /vms", "Authorization: Bearer x" + token.substring(1)).status())
                .as("a wrong token").isEqualTo(401);
        assertThat(Answer.of(port, "GET /ui/", "").status()).as("the page too").isEqualTo(401);
        assertThat(Answer.of(port, "POST /vms/1/start", "Content-Length: 2", "{}").status()).isEqualTo(401);
        assertThat(vmm.info(1).state()).as("a refused request does nothing").isEqualTo(VmState.LOADED);
        assertThat(Answer.of(port, "GET /vms/1/console", "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13").status())
                .as("the console's WebSocket handshake").isEqualTo(401);

        Answer header = Answer.of(port, "GET /vms", "Authorization: Bearer " + token);
        assertThat(header.status()).isEqualTo(200);
        assertThat(header.body()).contains("\"name\":\"echo\"").contains("\"state\":\"loaded\"");
        assertThat(Answer.of(port, "GET /vms?token=" + token, "").status()).isEqualTo(200);
        Answer index = Answer.of(port, "GET " + page.getRawPath() + "?" + page.getRawQuery(), "");
        assertThat(index.status()).isEqualTo(200);
        assertThat(index.body()).contains("<title>Javisor</title>");
    }

    /** One HTTP/1.1 exchange over a plain socket (the test's module reads no java.net.http). */
    private record Answer(int status, String body) {
        static Answer of(int port, String requestLine, String headers, String... body) throws Exception {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout((int) Duration.ofSeconds(IN_BOX ? 120 : 30).toMillis());
                String request = requestLine + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                        + (headers.isEmpty() ? "" : headers + "\r\n") + "\r\n" + String.join("", body);
                s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
                String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(answer).startsWith("HTTP/1.1 ");
                int split = answer.indexOf("\r\n\r\n");
                String rest = split < 0 ? "" : answer.substring(split + 4);
                return new Answer(Integer.parseInt(answer.substring(9, 12)), rest);
            }
        }
    }

    @Test
    @Timeout(600)
    void theConsoleShowsAVmStartedFromThePageEchoesWhatIsTypedAndTheVmStops() throws Exception {
        phaseStart = System.nanoTime();
        browser = chromium();
        phase("Chromium's start");
        browser.get(server.webUri().orElseThrow().toString());

        Snapshot listed = await("VM 1 listed as loaded", p -> p.state().equals("loaded"));
        assertThat(listed.name()).isEqualTo("echo");
        phase("the page");

        click("start");
        await("VM 1 running", p -> p.state().equals("running"));
        // The console button attaches the terminal; the server replays the recent output first.
        click("console");
        await("the guest's prompt in the terminal", p -> p.terminal().contains("uart_echo: type a line"));
        phase("start and the console");

        // Typed into xterm.js (it has the focus after a click), sent over the WebSocket, echoed by the guest: the
        // page never echoes by itself, so the text on the screen came back from the guest.
        browser.findElement(By.cssSelector("#terminal .xterm-screen")).click();
        new Actions(browser).sendKeys("hello42").perform();
        await("the guest's echo in the terminal", p -> p.terminal().matches("(?s).*type a line\\s*\\nhello42.*"));
        assertThat(console.toString(StandardCharsets.ISO_8859_1)).contains("type a line\nhello42");
        phase("typing and the echo");

        // The chart: a positive rate (the boot's and the echo's exits), drawn above the zero line in VM 1's colour.
        await("a positive exit rate on the chart", p -> p.chartMax() > 0);
        assertThat(linePixelsAboveZero()).as("pixels of VM 1's line above the chart's zero line").isGreaterThan(5);
        phase("the chart");

        // An operation the server refuses: its JSON error is shown on the page, and nothing changes.
        click("start");
        Snapshot refused = await("the server's refusal on the page", Snapshot::errorShown);
        assertThat(refused.error()).contains("VM 1 (echo)").contains("RUNNING");
        assertThat(vmm.info(1).state()).isEqualTo(VmState.RUNNING);

        click("stop");
        Snapshot stopped = await("VM 1 stopped", p -> p.state().equals("stopped"));
        assertThat(vmm.info(1).state()).isEqualTo(VmState.STOPPED);
        assertThat(stopped.errorShown()).as("a success clears the error").isFalse();
        phase("a refusal and the stop");
        screenshot("WebConsoleIT.png");
        System.out.println("WebConsoleIT: " + phases);
    }

    /** Where the time went, printed at the end (the box's budget is tight). */
    private final StringBuilder phases = new StringBuilder();
    private long phaseStart = System.nanoTime();

    private void phase(String name) {
        long now = System.nanoTime();
        phases.append(phases.isEmpty() ? "" : ", ").append(name).append(' ')
                .append((now - phaseStart) / 1_000_000).append(" ms");
        phaseStart = now;
    }

    private ChromeDriver chromium() {
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .withLogFile(tmp.resolve("chromedriver.log").toFile())
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        if (CHROMIUM.endsWith("headless-shell")) {
            // So chromedriver knows it: the shell opens no page of its own, and without this name chromedriver waits
            // for one ("unable to discover open pages") instead of asking for data:,.
            options.setCapability("browserName", "chrome-headless-shell");
        }
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + tmp.resolve("chromium-profile"),
                "--window-size=1280,1000");
        // Chromium takes 15 s (the headless shell) to 120 s (chromium) to start in the box; chromedriver's
        // default bound is 60 s.
        options.setExperimentalOption("browserStartupTimeout",
                (int) Duration.ofSeconds(IN_BOX ? 240 : 30).toMillis());
        // The page's console messages, for the failure report (as a map: this module does not read java.logging).
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        ClientConfig client = ClientConfig.defaultConfig().readTimeout(Duration.ofSeconds(IN_BOX ? 300 : 60));
        return new ChromeDriver(service, options, client);
    }

    private void click(String op) {
        browser.findElement(By.cssSelector("tr[data-vm-id='1'] button[data-op='" + op + "']")).click();
    }

    /** What the page shows, read in one script: each WebDriver command is slow in the box. */
    private record Snapshot(String state, String name, String terminal, boolean errorShown, String error,
                            double chartMax) {
    }

    private Snapshot snapshot() {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) ((JavascriptExecutor) browser).executeScript("""
                const row = document.querySelector('tr[data-vm-id="1"]');
                return {
                  state: row?.querySelector('td.state').textContent ?? '',
                  name: row?.querySelector('td.name').textContent ?? '',
                  // xterm.js's DOM renderer: a div per row
                  terminal: Array.from(document.querySelectorAll('#terminal .xterm-rows > div'),
                                       r => r.textContent.replace(/\\u00a0/g, ' ').trimEnd()).join('\\n'),
                  errorShown: !document.getElementById('error').hidden,
                  error: document.getElementById('error-text').textContent,
                  chartMax: Number(document.getElementById('exit-chart').dataset.max ?? 0),
                };""");
        return new Snapshot((String) m.get("state"), (String) m.get("name"), (String) m.get("terminal"),
                (Boolean) m.get("errorShown"), (String) m.get("error"), ((Number) m.get("chartMax")).doubleValue());
    }

    /** Pixels of VM 1's legend colour on the canvas above its zero line (3 px clear of the 2 px line at zero). */
    private long linePixelsAboveZero() {
        Object n = ((JavascriptExecutor) browser).executeScript("""
                const c = document.getElementById('exit-chart');
                const swatch = document.querySelector('.legend-item[data-vm-id="1"] .swatch');
                const [r, g, b] = getComputedStyle(swatch).backgroundColor.match(/\\d+/g).map(Number);
                const dpr = window.devicePixelRatio || 1;
                const zero = c.height - 22 * dpr;
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0;
                for (let y = 0; y < zero - 3 * dpr; y++) {
                  for (let x = 0; x < c.width; x++) {
                    const i = (y * c.width + x) * 4;
                    if (Math.abs(d[i] - r) < 24 && Math.abs(d[i + 1] - g) < 24 && Math.abs(d[i + 2] - b) < 24) n++;
                  }
                }
                return n;""");
        return ((Number) n).longValue();
    }

    /** Polls the page until {@code done}; 30 s here, four times that in the box. */
    private Snapshot await(String what, java.util.function.Predicate<Snapshot> done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30 * SLOW).toNanos();
        Snapshot last = null;
        while (System.nanoTime() < deadline) {
            last = snapshot();
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(IN_BOX ? 500 : 100); // the box has one CPU: leave it to the browser and the guest
        }
        return fail("waited for " + what + "; last seen: " + last + "\nthe page showed:\n" + page());
    }

    /** The page as it looks, into javisor-api/target (a failure's, and the last one's, for a person to look at). */
    private String screenshot(String name) {
        try {
            Path file = ROOT.resolve("javisor-api/target").resolve(name);
            Files.write(file, browser.getScreenshotAs(OutputType.BYTES));
            return file.toString();
        } catch (Exception e) {
            return "no screenshot: " + e;
        }
    }

    /** What a person would look at when the test fails: the page's parts, the browser's log, the guest's output. */
    private String page() {
        StringBuilder s = new StringBuilder("screenshot: " + screenshot("WebConsoleIT-failure.png") + "\n");
        for (String css : List.of("#status", "#error-text", "#vms", "#chart-legend")) {
            s.append(css).append(": ").append(browser.findElements(By.cssSelector(css)).stream()
                    .map(e -> e.getText()).collect(Collectors.joining())).append('\n');
        }
        s.append("chart: data-max=").append(browser.findElement(By.id("exit-chart")).getDomAttribute("data-max"))
                .append('\n');
        s.append("browser log:\n");
        browser.manage().logs().get(LogType.BROWSER).getAll().forEach(e -> s.append("  ").append(e).append('\n'));
        s.append("guest console (the hypervisor's sink):\n").append(console.toString(StandardCharsets.ISO_8859_1));
        return s.toString();
    }
}
