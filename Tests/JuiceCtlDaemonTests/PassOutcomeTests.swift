import Foundation
import JuiceCtlCore
import JuiceCtlDaemon
import Testing

@testable import JuiceCtl

@Suite("Pass outcome")
struct PassOutcomeTests {
    /// One row of the table: a report and how the pass it ended is classified.
    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var suspend = false
        var results: [ActionResult] = []
        var actions: [Action] = []
        var conflicts: [Conflict] = []
        var suspended = false
        var interrupted = false
        var result: RunStatus.Pass.Result
        var messageContains: String
        var stallReason: ConflictCode?

        var testDescription: String { name }
    }

    static let quota = Fixtures.action(.setQuota, "/active/fs")
    static let mount = Fixtures.action(.mount, "/srv/alpha/data")

    static let rows: [Row] = [
        Row(
            name: "suspended: the drift is reported, nothing else counts", suspend: true, actions: [quota], conflicts: [Fixtures.refusal],
            suspended: true, result: .suspended, messageContains: "1 change(s) pending, not applied"),
        Row(name: "suspended without drift", suspend: true, suspended: true, result: .suspended, messageContains: "no drift"),
        Row(
            name: "a failed action fails the pass, named by its label and target",
            results: [Fixtures.done(mount), Fixtures.failed(quota, "quota: permission denied")], actions: [quota],
            result: .failed, messageContains: "quota /active/fs failed: quota: permission denied"),
        Row(
            name: "a failure outranks an interruption and a refusal",
            results: [Fixtures.failed(mount, "exit 1")], conflicts: [Fixtures.refusal], interrupted: true,
            result: .failed, messageContains: "mount /srv/alpha/data failed: exit 1"),
        Row(
            name: "interrupted by shutdown",
            results: [Fixtures.done(mount), ActionResult(action: quota, outcome: .notRun(.stopped), milliseconds: 0)],
            actions: [quota], interrupted: true, result: .interrupted, messageContains: "after 2 action(s)"),
        Row(
            name: "a blocking conflict blocks, with its code as the stall reason", conflicts: [Fixtures.immutable, Fixtures.refusal],
            result: .blocked, messageContains: "the storage holds another volume's objects (hint: point storage.path elsewhere)",
            stallReason: .refuseFormatOverData),
        Row(
            name: "a blocking conflict of a server that does not answer fails the pass (retried), never a stall",
            conflicts: [Fixtures.unresponsive], result: .failed, messageContains: "the mount does not answer"),
        Row(
            name: "pending actions without a failure fail the pass", results: [Fixtures.done(mount)], actions: [quota, mount],
            result: .failed, messageContains: "after 1 action(s), still pending: quota /active/fs; mount /srv/alpha/data"),
        Row(
            name: "a conflict that does not block", results: [Fixtures.done(quota)], conflicts: [Fixtures.immutable],
            result: .conflicted, messageContains: "1 action(s); conflict: blockSize cannot change after format"),
        Row(name: "nothing to do", result: .converged, messageContains: "nothing to do"),
        Row(
            name: "everything done", results: [Fixtures.done(mount), Fixtures.done(quota)], result: .converged,
            messageContains: "2 action(s), converged"),
    ]

    @Test(arguments: rows)
    func aReportIsClassified(row: Row) async throws {
        try await withTemporaryDirectory { base in
            let spec = try DaemonSpec.make(baseDir: base, row.suspend ? "suspend:\n  reason: maintenance\n" : "")
            let report = Fixtures.report(
                spec, results: row.results,
                remaining: Fixtures.plan(spec, actions: row.actions, conflicts: row.conflicts),
                suspended: row.suspended, interrupted: row.interrupted)

            let outcome = PassOutcome.classify(report)

            #expect(outcome.result == row.result)
            #expect(outcome.message.contains(row.messageContains), "\(outcome.message)")
            #expect(outcome.stallReason == row.stallReason)
        }
    }

    @Test func aSuspendedPassNamesTheReason() async throws {
        try await withTemporaryDirectory { base in
            let spec = try DaemonSpec.make(baseDir: base, "suspend:\n  reason: disk replacement\n")

            let outcome = PassOutcome.classify(Fixtures.report(spec, suspended: true))

            #expect(outcome.message.hasPrefix("suspended (disk replacement): "))
        }
    }

    @Test func aBusyLockIsBusyNotAFailure() async throws {
        try await withTemporaryDirectory { base in
            let spec = try DaemonSpec.make(baseDir: base)
            let busy = Fixtures.busy(spec)

            let outcome = PassOutcome.classify(busy)

            #expect(outcome.result == .busy)
            #expect(outcome.message == busy.description)
            #expect(outcome.stallReason == nil)
        }
    }

    @Test func aRealBusyLockIsRecognised() async throws {
        try await withTemporaryDirectory { base in
            let spec = try DaemonSpec.make(baseDir: base)
            let held = try await VolumeLock.acquire(stateDir: spec.stateDir, operation: "apply", timeout: .seconds(1))
            defer { held.release() }

            do {
                let second = try await VolumeLock.acquire(stateDir: spec.stateDir, operation: "apply", timeout: .milliseconds(50))
                second.release()
                Issue.record("a second holder took the lock")
            } catch {
                #expect(PassOutcome.classify(error).result == .busy)
            }
        }
    }

    @Test func anyOtherErrorFailsThePassWithItsDescription() {
        let outcome = PassOutcome.classify(FakeFailure())

        #expect(outcome.result == .failed)
        #expect(outcome.message == "the fake apply failed")
        #expect(outcome.stallReason == nil)
    }
}
