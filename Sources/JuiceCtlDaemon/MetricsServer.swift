internal import Foundation
package import JuiceCtlCore
package import Logging
internal import NIOCore
internal import NIOHTTP1
internal import NIOPosix
internal import ServiceLifecycle
internal import Synchronization

/// Serves the reconciler's metrics on a loopback address with SwiftNIO's HTTP/1 server, on one event-loop thread:
/// `GET /metrics` (Prometheus text format) and `GET /healthz` (200 while the reconciler runs); anything else is 404.
package final class MetricsServer: Service, Sendable {
    private let address: MetricsAddress
    private let metrics: DaemonMetrics
    private let logger: Logger
    private let clock: HostClock
    private let port = Mutex<Int?>(nil)

    /// Creates a server; it listens when run. `clock` is what ``waitUntilListening(timeout:)`` waits on.
    package init(address: MetricsAddress, metrics: DaemonMetrics, logger: Logger, clock: HostClock = .system) {
        self.address = address
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
    }

    /// The port listened on, once listening (the chosen one when the address asked for port 0).
    package func listeningPort() -> Int? {
        port.withLock { $0 }
    }

    /// Waits until the server listens, up to `timeout` seconds; returns the port.
    @discardableResult
    package func waitUntilListening(timeout: Double = 10) async throws -> Int {
        let deadline = clock.now() + .milliseconds(Int64(timeout * 1000))
        while clock.now() < deadline {
            if let port = listeningPort() { return port }
            try await clock.sleep(.milliseconds(20))
        }
        throw NotListening(address: address)
    }

    /// The server did not start listening in time.
    package struct NotListening: Error, CustomStringConvertible {
        /// The address asked for.
        package var address: MetricsAddress
        package var description: String { "the metrics endpoint did not start listening at \(address)" }
    }

    /// Listens until graceful shutdown. Throws when the address cannot be bound.
    package func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let metrics = self.metrics
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(metrics: metrics))
                    }
                }
                .bind(host: address.host, port: Int(address.port))
                .get()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        let bound = channel.localAddress?.port ?? Int(address.port)
        port.withLock { $0 = bound }
        let shown = address.host.contains(":") ? "[\(address.host)]:\(bound)" : "\(address.host):\(bound)"
        logger.notice("metrics at http://\(shown)/metrics", metadata: ["address": "\(shown)"])
        await withGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
        try? await group.shutdownGracefully()
    }
}

/// Answers one HTTP/1 request per message: the metrics, the health check, or 404. Lives on its channel's event loop.
private final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let metrics: DaemonMetrics
    private var request: HTTPRequestHead?

    init(metrics: DaemonMetrics) {
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break
        case .end:
            guard let head = request else { return }
            request = nil
            let (status, contentType, body): (HTTPResponseStatus, String, String) =
                switch (head.method, head.uri) {
                case (.GET, "/metrics"): (.ok, "text/plain; version=0.0.4; charset=utf-8", metrics.render())
                case (.GET, "/healthz"): (.ok, "text/plain; charset=utf-8", "ok\n")
                case (.GET, _): (.notFound, "text/plain; charset=utf-8", "not found: try /metrics or /healthz\n")
                default: (.methodNotAllowed, "text/plain; charset=utf-8", "only GET\n")
                }
            var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
            buffer.writeString(body)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: contentType)
            headers.add(name: "Content-Length", value: "\(buffer.readableBytes)")
            let keepAlive = head.isKeepAlive
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !keepAlive {
                let channel = context.channel
                done.whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }
}
