internal import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension LiveHost {
    package func readFileAnswer(_ path: String, deadline: Duration) async -> FileReadAnswer {
        await Deadline.run(deadline, clock: clock) { () -> FileReadAnswer in
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                let code = errno
                return .failed(errno: code, message: String(cString: strerror(code)))
            }
            defer { close(descriptor) }
            var data = Data()
            var buffer = [UInt8](repeating: 0, count: 64 << 10)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count == 0 { return .contents(data) }
                if count < 0 {
                    let code = errno
                    if code == EINTR { continue }
                    return .failed(errno: code, message: String(cString: strerror(code)))
                }
                data.append(contentsOf: buffer[0..<count])
            }
        } ?? .timedOut
    }
}
