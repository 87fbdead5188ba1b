import JuiceCtlDaemon
import Testing

@Suite("Metrics address")
struct MetricsAddressTests {
    @Test(
        "loopback addresses parse, localhost becomes 127.0.0.1, IPv6 needs brackets",
        arguments: [
            ("127.0.0.1:9464", "127.0.0.1", UInt16(9464)),
            ("localhost:0", "127.0.0.1", UInt16(0)),
            ("[::1]:9100", "::1", UInt16(9100)),
        ])
    func loopbackParses(text: String, host: String, port: UInt16) throws {
        let address = try MetricsAddress(parsing: text)
        #expect(address.host == host)
        #expect(address.port == port)
    }

    @Test(
        "anything but a loopback address with a port is refused with what to write instead",
        arguments: [
            "0.0.0.0:9464", "192.168.1.5:9464", "127.0.0.1", "127.0.0.1:99999", "::1:9464", "[::1]9464", "example.com:80",
        ])
    func nonLoopbackIsRefused(text: String) {
        #expect(throws: MetricsAddress.Invalid.self) { try MetricsAddress(parsing: text) }
        let message = (try? MetricsAddress(parsing: text)).map { "\($0)" } ?? "\(Self.error(text))"
        #expect(message.contains("127.0.0.1:9464"))
    }

    static func error(_ text: String) -> String {
        do {
            _ = try MetricsAddress(parsing: text)
            return ""
        } catch { return error.description }
    }
}
