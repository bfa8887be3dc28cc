/**
 * Javisor's HTTP APIs, above the hypervisor application: Firecracker's REST API over a Unix socket
 * ({@code javisor firecracker}) and its metrics, and Javisor's own multi-VM API with its web console
 * ({@code javisor serve}, {@code javisor shell --api-sock}). A module of its own so that {@code javisor run}
 * never loads Jetty or Jackson.
 */
module javisor.api {
    requires javisor.sys;
    requires javisor.vcpu;
    requires javisor.virtio;
    requires javisor.vm;
    requires javisor.vmm;
    requires org.eclipse.jetty.server;
    requires org.eclipse.jetty.http;
    requires org.eclipse.jetty.io;
    requires org.eclipse.jetty.util;
    requires org.eclipse.jetty.unixdomain.server;
    requires org.eclipse.jetty.websocket.server;
    requires org.eclipse.jetty.websocket.api;
    requires com.fasterxml.jackson.core;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.annotation;
    requires org.slf4j;
    exports javisor.api.firecracker;
    exports javisor.api.metrics;
    exports javisor.api.hypervisor;
    // Jackson builds the request records and reads the response records by reflection.
    opens javisor.api.firecracker to com.fasterxml.jackson.databind;
    // javisor serve and javisor shell --api-sock find the multi-VM API server through this service.
    provides javisor.vmm.control.ControlServer.Provider with javisor.api.hypervisor.VmsServerProvider;
    // Jetty logs through SLF4J; this provider hands its messages to Javisor's loggers.
    provides org.slf4j.spi.SLF4JServiceProvider with javisor.api.logging.Slf4jToJavisorLogs;
}
