package javisor.api.logging;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

import javisor.sys.Logs;

/**
 * An SLF4J provider that writes to Javisor's loggers ({@link Logs}): Jetty's messages go where Javisor's go, under
 * the same level and the same {@code --log-path}, and without it SLF4J would print a warning at every start.
 */
public final class Slf4jToJavisorLogs implements SLF4JServiceProvider {
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();
    private final ILoggerFactory loggers = JavisorLogger::new;

    /** Called by the service loader. */
    public Slf4jToJavisorLogs() {
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggers;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
    }

    /** One SLF4J logger over the Javisor logger of the same name. */
    private static final class JavisorLogger extends LegacyAbstractLogger {
        private static final long serialVersionUID = 1L;
        private final transient System.Logger target;

        JavisorLogger(String name) {
            this.name = name;
            this.target = Logs.get(name);
        }

        private boolean on(System.Logger.Level level) {
            return target.isLoggable(level);
        }

        @Override
        public boolean isTraceEnabled() {
            return on(System.Logger.Level.TRACE);
        }

        @Override
        public boolean isDebugEnabled() {
            return on(System.Logger.Level.DEBUG);
        }

        @Override
        public boolean isInfoEnabled() {
            return on(System.Logger.Level.INFO);
        }

        @Override
        public boolean isWarnEnabled() {
            return on(System.Logger.Level.WARNING);
        }

        @Override
        public boolean isErrorEnabled() {
            return on(System.Logger.Level.ERROR);
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                                                   Throwable throwable) {
            System.Logger.Level l = switch (level) {
                case ERROR -> System.Logger.Level.ERROR;
                case WARN -> System.Logger.Level.WARNING;
                case INFO -> System.Logger.Level.INFO;
                case DEBUG -> System.Logger.Level.DEBUG;
                case TRACE -> System.Logger.Level.TRACE;
            };
            target.log(l, MessageFormatter.basicArrayFormat(pattern, arguments), throwable);
        }
    }
}
