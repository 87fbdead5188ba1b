import Foundation
import JuiceCtlCore
import JuiceCtlDaemon
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A plain HTTP/1.0 GET over a TCP socket to 127.0.0.1, done on a dispatch queue (blocking I/O stays off the
/// cooperative pool), with a 10 s receive timeout.
enum PlainHTTP {
    struct Response: Sendable {
        var status: Int
        var headers: String
        var body: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func get(port: UInt16, path: String) async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try blockingGet(port: port, path: path) })
            }
        }
    }

    private static func blockingGet(port: UInt16, path: String) throws -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "connect to 127.0.0.1:\(port): errno \(errno)") }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw Failure(description: "send: errno \(errno)") }
            sent += count
        }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            guard count > 0 else { throw Failure(description: "recv: errno \(errno) after \(data.count) bytes") }
            data += buffer[..<count]
        }
        let text = String(decoding: data, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw Failure(description: "no header end in \(text)") }
        let head = String(text[..<split.lowerBound])
        let statusLine = head.split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure(description: "bad status line \(statusLine)") }
        return Response(status: status, headers: head, body: String(text[split.upperBound...]))
    }
}

@Suite("Metrics server")
struct MetricsServerTests {
    /// Runs a server on a free loopback port, hands the port to `body`, then shuts it down gracefully; a throw from
    /// `run()` surfaces here.
    private func withServer(_ metrics: DaemonMetrics, _ body: (UInt16) async throws -> Void) async throws {
        let server = MetricsServer(address: MetricsAddress(host: "127.0.0.1", port: 0), metrics: metrics, logger: .quiet)
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.run() }
                try await server.waitUntilListening(timeout: 20)
                let port = try UInt16(#require(server.listeningPort()))
                try await body(port)
                trigger.triggerGracefulShutdown()
                try await group.next()
            }
        }
    }

    @Test func servesMetricsAndHealthOnLoopbackAndStopsOnGracefulShutdown() async throws {
        try await withServer(DaemonMetrics(version: "9.9.9-test")) { port in
            #expect(port != 0, "port 0 picks a free port")

            let scrape = try await PlainHTTP.get(port: port, path: "/metrics")
            #expect(scrape.status == 200)
            #expect(scrape.headers.lowercased().contains("content-type: text/plain; version=0.0.4"), "\(scrape.headers)")
            #expect(scrape.body.contains(#"juicectl_build_info{version="9.9.9-test"} 1"#), "\(scrape.body)")
            #expect(scrape.body.contains("juicectl_start_time_seconds"))

            let health = try await PlainHTTP.get(port: port, path: "/healthz")
            #expect(health.status == 200)
            #expect(health.body == "ok\n")

            let missing = try await PlainHTTP.get(port: port, path: "/nothing-here")
            #expect(missing.status == 404)
        }
    }

    @Test func aScrapeShowsWhatWasRecordedSinceTheLastOne() async throws {
        let metrics = DaemonMetrics(version: "test")
        try await withServer(metrics) { port in
            let before = try await PlainHTTP.get(port: port, path: "/metrics")
            #expect(!before.body.contains("juicectl_spec_reloads_total"))

            metrics.recordReload(rejected: true)

            let after = try await PlainHTTP.get(port: port, path: "/metrics")
            #expect(after.body.contains(#"juicectl_spec_reloads_total{result="rejected"} 1"#), "\(after.body)")
        }
    }
}
