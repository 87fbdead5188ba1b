import JuiceCtl
import JuiceCtlTestSupport
import Testing

@Suite("FakeCommandRunner")
struct FakeCommandRunnerTests {
    static func command(_ arguments: String...) -> Command {
        Command("/opt/bin/juicefs", arguments)
    }

    @Test func answersAnExactArgvAndRecordsTheCommand() async throws {
        let runner = FakeCommandRunner()
        runner.on(["juicefs", "status", "m"], .success("{}"))
        let result = try await runner.run(Self.command("status", "m"))
        #expect(result.stdout == "{}")
        #expect(runner.commands == [Self.command("status", "m")])
        #expect(runner.argvs == [["juicefs", "status", "m"]])
    }

    @Test func anUnknownCommandExits127SoTheTestNotices() async throws {
        let runner = FakeCommandRunner()
        runner.on(["juicefs", "status", "m"], .success())
        let result = try await runner.run(Self.command("status", "other"))
        #expect(result.termination == .exited(127))
        #expect(result.stderr.contains("juicefs status other"))
        #expect(runner.unmatchedCommands == [Self.command("status", "other")])
    }

    @Test func theUnmatchedAnswerCanBeChanged() async throws {
        let runner = FakeCommandRunner()
        runner.unmatched = { _ in .success("default") }
        #expect(try await runner.run(Self.command("version")).stdout == "default")
    }

    @Test func theLastMatchingRuleWins() async throws {
        let runner = FakeCommandRunner()
        runner.on(prefix: ["juicefs", "quota"], .failure(stderr: "general"))
        runner.on(prefix: ["juicefs", "quota", "get"], .success("specific"))
        #expect(try await runner.run(Self.command("quota", "get", "m")).stdout == "specific")
        #expect(try await runner.run(Self.command("quota", "list", "m")).stderr == "general")
    }

    @Test func answersInTurnAndRepeatsTheLastResult() async throws {
        let runner = FakeCommandRunner()
        runner.on(["juicefs", "umount", "/m"], inTurn: [.failure(stderr: "busy"), .success()])
        #expect(try await runner.run(Self.command("umount", "/m")).stderr == "busy")
        #expect(try await runner.run(Self.command("umount", "/m")).succeeded)
        #expect(try await runner.run(Self.command("umount", "/m")).succeeded)
    }

    @Test func matchesByPredicateAndCallsTheHandlerWithTheCommand() async throws {
        let runner = FakeCommandRunner()
        runner.on(
            where: { $0.timeout == .seconds(5) }, handler: { command in .success(command.arguments.joined(separator: ",")) })
        let result = try await runner.run(Command("/bin/x", ["a", "b"], timeout: .seconds(5)))
        #expect(result.stdout == "a,b")
    }

    @Test func aProgramThatCannotStartThrows() async throws {
        let runner = FakeCommandRunner()
        runner.on(.prefix(["juicefs"]), reply: .cannotStart("not found"))
        let error = await #expect(throws: CommandError.self) { try await runner.run(Self.command("version")) }
        #expect(error?.reason == "not found")
        #expect(runner.count(of: "juicefs") == 1)
    }

    @Test func countsCallsByProgramName() async throws {
        let runner = FakeCommandRunner()
        _ = try await runner.run(Self.command("status"))
        _ = try await runner.run(Command("/usr/bin/umount", ["-l", "/m"]))
        _ = try await runner.run(Self.command("quota", "list"))
        #expect(runner.count(of: "juicefs") == 2)
        #expect(runner.count(of: "umount") == 1)
        #expect(runner.commands(startingWith: ["umount", "-l"]).count == 1)
    }

    @Test func recordsConcurrentCallsSafely() async throws {
        let runner = FakeCommandRunner()
        runner.on(prefix: ["juicefs"], .success())
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask { _ = try? await runner.run(Self.command("n\(index)")) }
            }
        }
        #expect(runner.count(of: "juicefs") == 200)
        #expect(Set(runner.argvs.map { $0[1] }).count == 200)
    }

    @Test func resetForgetsRulesAndRecords() async throws {
        let runner = FakeCommandRunner()
        runner.on(prefix: ["juicefs"], .success())
        _ = try await runner.run(Self.command("status"))
        runner.reset()
        #expect(runner.commands.isEmpty)
        #expect(try await runner.run(Self.command("status")).termination == .exited(127))
    }
}
