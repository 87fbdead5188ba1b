import Foundation
import JuiceCtl
import Testing

@Suite("VolumeLock")
struct VolumeLockTests {
    @Test func aSecondAcquireTimesOutWithBusyNamingTheHolder() async throws {
        try await withTemporaryDirectory { base in
            let stateDir = "\(base)/.juicectl"
            let lock = try await VolumeLock.acquire(stateDir: stateDir, operation: "apply", timeout: .seconds(1))
            defer { lock.release() }

            let clock = ContinuousClock()
            let start = clock.now
            do {
                let second = try await VolumeLock.acquire(stateDir: stateDir, operation: "down", timeout: .milliseconds(300))
                second.release()
                Issue.record("the second acquire should have failed")
            } catch let busy as VolumeLock.Busy {
                #expect(busy.holder?.pid == getpid())
                #expect(busy.holder?.operation == "apply")
                #expect(busy.path == "\(stateDir)/lock")
                #expect(busy.waited >= .milliseconds(300))
                #expect(busy.description.hasPrefix("volume is locked by pid \(getpid()) on "))
                #expect(busy.description.contains("(apply, since "))
                #expect(busy.description.contains("--lock-timeout"))
            }
            #expect(clock.now - start < .seconds(5))
        }
    }

    @Test func theLockCanBeTakenAgainAfterRelease() async throws {
        try await withTemporaryDirectory { base in
            let stateDir = "\(base)/.juicectl"
            let first = try await VolumeLock.acquire(stateDir: stateDir, operation: "apply", timeout: .seconds(1))
            first.release()
            #expect(VolumeLock.readHolder(first.path, host: LiveHost()) == nil, "a released lock names no holder")

            let second = try await VolumeLock.acquire(stateDir: stateDir, operation: "down", timeout: .milliseconds(300))
            #expect(VolumeLock.readHolder(second.path, host: LiveHost())?.operation == "down")
            second.release()
        }
    }

    @Test func aWaitingAcquireSucceedsOnceTheHolderReleases() async throws {
        try await withTemporaryDirectory { base in
            let stateDir = "\(base)/.juicectl"
            let first = try await VolumeLock.acquire(stateDir: stateDir, operation: "apply", timeout: .seconds(1))
            let releaser = Task {
                try await Task.sleep(for: .milliseconds(200))
                first.release()
            }
            let second = try await VolumeLock.acquire(stateDir: stateDir, operation: "down", timeout: .seconds(5))
            second.release()
            try await releaser.value
        }
    }

    @Test func theLockFileRecordsTheHolder() async throws {
        try await withTemporaryDirectory { base in
            let lock = try await VolumeLock.acquire(stateDir: base, operation: "apply", timeout: .seconds(1))
            defer { lock.release() }
            let holder = try #require(VolumeLock.readHolder(lock.path, host: LiveHost()))
            #expect(holder.pid == getpid())
            #expect(holder.host == ProcessInfo.processInfo.hostName)
            #expect(ISO8601DateFormatter().date(from: holder.since) != nil)
        }
    }
}
