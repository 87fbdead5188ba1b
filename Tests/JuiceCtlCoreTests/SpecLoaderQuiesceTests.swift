import Testing

@testable import JuiceCtlCore

extension SpecFixture {
    /// The minimal spec with `checkpoints.quiesce` holding `body`, each of its lines indented by four spaces: the
    /// first line of `body` is line 6 of the document, and a key written at its start is at column 5.
    static func quiesce(_ body: String) -> String {
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "    \($0)" }
        return yaml("checkpoints:\n  quiesce:\n" + lines.joined(separator: "\n") + "\n")
    }
}

extension ExpectedDiagnostic {
    /// The error expected at `checkpoints.quiesce.<key>` of the document ``SpecFixture/quiesce(_:)`` makes of `body`.
    static func quiesce(
        _ body: String, _ line: Int, _ column: Int, at key: String, _ message: String,
        hint: String? = nil
    ) -> ExpectedDiagnostic {
        ExpectedDiagnostic(
            yaml: SpecFixture.quiesce(body), line: line, column: column, path: "checkpoints.quiesce.\(key)",
            message: message, hint: hint)
    }
}

@Suite("SpecLoader checkpoints.quiesce")
struct SpecLoaderQuiesceTests {
    // MARK: Model values

    @Test("without quiesce no checkpoint is quiesced")
    func absentQuiesce() throws {
        let spec = try SpecFixture.spec(SpecFixture.yaml("checkpoints:\n  schedule: \"@hourly\"\n"))
        #expect(spec.checkpoints.quiesce == nil)
    }

    @Test("the keys left out get their defaults: no hooks, a 30s hook timeout and at most 10s frozen")
    func defaults() throws {
        let spec = try SpecFixture.spec(SpecFixture.quiesce("cgroups: [/sys/fs/cgroup/freezer/sandbox-1]"))
        let quiesce = try #require(spec.checkpoints.quiesce)
        #expect(quiesce.cgroups == ["/sys/fs/cgroup/freezer/sandbox-1"])
        #expect(quiesce.pre.isEmpty)
        #expect(quiesce.post.isEmpty)
        #expect(quiesce.hookTimeout == .seconds(30))
        #expect(quiesce.maxFrozen == .seconds(10))
    }

    @Test("every quiesce key reaches the model as written")
    func everyKey() throws {
        let spec = try SpecFixture.spec(
            SpecFixture.quiesce(
                """
                cgroups: [/sys/fs/cgroup/freezer/sandbox-1, /sys/fs/cgroup/sandbox.slice/app.scope]
                pre: [["/usr/local/bin/app-flush", "--fast"], [/usr/bin/sync]]
                post: [["/usr/local/bin/app-resume"]]
                hookTimeout: 1m30s
                maxFrozen: 250ms
                """))
        #expect(
            spec.checkpoints.quiesce
                == VolumeSpec.Quiesce(
                    cgroups: ["/sys/fs/cgroup/freezer/sandbox-1", "/sys/fs/cgroup/sandbox.slice/app.scope"],
                    pre: [["/usr/local/bin/app-flush", "--fast"], ["/usr/bin/sync"]],
                    post: [["/usr/local/bin/app-resume"]],
                    hookTimeout: .seconds(90),
                    maxFrozen: TimeSpan(nanoseconds: 250_000_000)))
        #expect(spec.checkpoints.schedule == nil, "quiesce alone schedules nothing")
    }

    @Test("cgroup paths and hook programs are normalised; the arguments stay exactly as written")
    func normalisation() throws {
        let spec = try SpecFixture.spec(
            SpecFixture.quiesce(
                """
                cgroups: [/sys/fs/cgroup//freezer/sandbox-1/]
                pre: [["/usr//local/bin/app-flush/", "./relative", "", "two words", "--path=/a/../b"]]
                """))
        let quiesce = try #require(spec.checkpoints.quiesce)
        #expect(quiesce.cgroups == ["/sys/fs/cgroup/freezer/sandbox-1"])
        #expect(quiesce.pre == [["/usr/local/bin/app-flush", "./relative", "", "two words", "--path=/a/../b"]])
    }

    @Test(
        "hooks without cgroups and cgroups without hooks are both valid, without a warning",
        arguments: [
            "pre: [[/usr/local/bin/app-flush]]",
            "post: [[/usr/local/bin/app-resume]]\ncgroups: []",
            "cgroups: [/sys/fs/cgroup/sandbox]\npre: []\npost: []",
        ])
    func partialSections(body: String) throws {
        let result = SpecLoader().load(text: SpecFixture.quiesce(body), file: "spec.yaml")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let quiesce = try #require(result.specs.first?.checkpoints.quiesce)
        #expect(!(quiesce.cgroups.isEmpty && quiesce.pre.isEmpty && quiesce.post.isEmpty))
    }

    @Test(
        "a quiesce that freezes nothing and runs nothing is accepted with a warning at the section",
        arguments: [
            ("checkpoints:\n  quiesce: {}\n", 5, 12),
            ("checkpoints:\n  quiesce:\n    cgroups: []\n", 6, 5),
            ("checkpoints:\n  quiesce:\n    hookTimeout: 5s\n    pre: []\n    post: []\n", 6, 5),
        ])
    func emptySectionWarns(extra: String, line: Int, column: Int) throws {
        let result = SpecLoader().load(text: SpecFixture.yaml(extra), file: "spec.yaml")
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics)")
        let warning = try #require(result.diagnostics.warnings.first)
        #expect(result.diagnostics.warnings.count == 1)
        #expect(warning.path == "checkpoints.quiesce")
        #expect(warning.location == JuiceCtlCore.SourceLocation(file: "spec.yaml", line: line, column: column))
        #expect(warning.message.contains("no effect"))
        #expect(warning.hint == "remove quiesce or add cgroups or hooks")
        #expect(result.specs.first?.checkpoints.quiesce != nil, "the section is kept as written")
    }

    @Test(
        "the durations are accepted at both ends of their ranges",
        arguments: [
            ("hookTimeout", "1s", TimeSpan.seconds(1)), ("hookTimeout", "1h", .seconds(3600)), ("hookTimeout", "59m60s", .seconds(3600)),
            ("maxFrozen", "10ms", TimeSpan(nanoseconds: 10_000_000)), ("maxFrozen", "10m", .seconds(600)),
            ("maxFrozen", "0.01s", TimeSpan(nanoseconds: 10_000_000)),
        ])
    func durationBounds(key: String, text: String, expected: TimeSpan) throws {
        let spec = try SpecFixture.spec(SpecFixture.quiesce("cgroups: [/sys/fs/cgroup/sandbox]\n\(key): \(text)"))
        let quiesce = try #require(spec.checkpoints.quiesce)
        #expect((key == "hookTimeout" ? quiesce.hookTimeout : quiesce.maxFrozen) == expected)
    }

    @Test("quiesce settings are part of the spec's revision")
    func revision() throws {
        let plain = try SpecFixture.spec().origin.revision
        let revisions = try [
            "cgroups: [/sys/fs/cgroup/a]", "cgroups: [/sys/fs/cgroup/b]", "cgroups: [/sys/fs/cgroup/a]\nmaxFrozen: 5s",
            "cgroups: [/sys/fs/cgroup/a]\nhookTimeout: 5s", "pre: [[/bin/a]]", "post: [[/bin/a]]", "pre: [[/bin/a, x]]",
        ].map { try SpecFixture.spec(SpecFixture.quiesce($0)).origin.revision }
        #expect(Set(revisions + [plain]).count == revisions.count + 1, "every change gives a new revision")
    }

    // MARK: Errors

    @Test(
        "quiesce is a mapping",
        arguments: [
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("checkpoints:\n  quiesce: [/sys/fs/cgroup/a]\n"), line: 5, column: 12,
                path: "checkpoints.quiesce", message: "expected a mapping, found a list"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("checkpoints:\n  quiesce:\n"), line: 5, column: 11,
                path: "checkpoints.quiesce", message: "expected a mapping, found null"),
            ExpectedDiagnostic(
                yaml: SpecFixture.yaml("checkpoints:\n  quiesce: true\n"), line: 5, column: 12,
                path: "checkpoints.quiesce", message: "expected a mapping, found a boolean"),
        ])
    func notAMapping(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test(
        "a misspelt quiesce key is an error at the key with a did-you-mean",
        arguments: [
            ("maxFrozn: 1s", "maxFrozen"), ("hookTimout: 1s", "hookTimeout"), ("cgroup: [/sys/fs/cgroup/a]", "cgroups"),
            ("Pre: [[/bin/a]]", "pre"), ("maxfrozen: 1s", "maxFrozen"),
        ])
    func misspeltKey(line: String, suggestion: String) {
        let key = String(line.prefix { $0 != ":" })
        ExpectedDiagnostic.quiesce(
            "cgroups: [/sys/fs/cgroup/a]\n\(line)", 7, 5, at: key, "unknown key '\(key)'",
            hint: "did you mean '\(suggestion)'?"
        ).check()
    }

    @Test("an unknown quiesce key without a close match lists the keys allowed")
    func unknownKey() {
        ExpectedDiagnostic.quiesce(
            "freeze: all", 6, 5, at: "freeze", "unknown key 'freeze'",
            hint: "expected one of: cgroups, pre, post, hookTimeout, maxFrozen"
        ).check()
    }

    @Test(
        "a cgroup that is not an absolute, normalised path is an error at that item",
        arguments: [
            ExpectedDiagnostic.quiesce(
                "cgroups:\n  - sandbox-1", 7, 9, at: "cgroups[0]", "'sandbox-1' is not an absolute path",
                hint: "paths start with /"),
            ExpectedDiagnostic.quiesce(
                "cgroups:\n  - /sys/fs/cgroup/a\n  - /sys/fs/cgroup/../b", 8, 9, at: "cgroups[1]",
                "has '.' or '..' components"),
            ExpectedDiagnostic.quiesce("cgroups:\n  - /sys/fs/cgroup/./a", 7, 9, at: "cgroups[0]", "has '.' or '..' components"),
            ExpectedDiagnostic.quiesce("cgroups:\n  - \"/sys/fs/cgroup/a\\0b\"", 7, 9, at: "cgroups[0]", "contains a NUL character"),
            ExpectedDiagnostic.quiesce("cgroups:\n  - \"\"", 7, 9, at: "cgroups[0]", "must not be empty"),
            ExpectedDiagnostic.quiesce("cgroups:\n  - 42", 7, 9, at: "cgroups[0]", "expected an absolute path, found an integer"),
            ExpectedDiagnostic.quiesce("cgroups: /sys/fs/cgroup/a", 6, 14, at: "cgroups", "expected a list, found a string"),
        ])
    func badCgroupPath(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test(
        "the cgroup root, and any directory above it, cannot be frozen",
        arguments: [
            "/sys/fs/cgroup", "/sys/fs/cgroup/", "//sys//fs/cgroup", "/sys/fs", "/sys", "/",
        ])
    func hierarchyRoot(path: String) {
        let normalised = HostPath.normalize(path)!
        let message =
            normalised == "/sys/fs/cgroup"
            ? "is the root of the cgroup hierarchy, which cannot be frozen" : "holds the cgroup hierarchy"
        ExpectedDiagnostic.quiesce(
            "cgroups:\n  - /sys/fs/cgroup/a\n  - \"\(path)\"", 8, 9, at: "cgroups[1]",
            "'\(normalised)' \(message)", hint: "name the sandbox's own cgroup"
        ).check()
    }

    @Test("a cgroup listed twice is an error at the second, also when written differently")
    func duplicateCgroup() {
        let yaml = SpecFixture.quiesce("cgroups:\n  - /sys/fs/cgroup/a\n  - /sys/fs/cgroup/b\n  - /sys/fs/cgroup//a/")
        ExpectedDiagnostic(
            yaml: yaml, line: 9, column: 9, path: "checkpoints.quiesce.cgroups[2]",
            message: "the cgroup /sys/fs/cgroup/a is already listed at line 7, column 9",
            hint: "list each cgroup once"
        ).check()
        #expect(SpecFixture.errors(yaml).count == 1, "the first one is fine: \(SpecFixture.errors(yaml))")
    }

    @Test(
        "a hook's program must be an absolute path; the hint says hooks run as root without a PATH search",
        arguments: [
            ExpectedDiagnostic.quiesce(
                "pre:\n  - [app-flush, --fast]", 7, 10, at: "pre[0][0]",
                "the program 'app-flush' is not an absolute path",
                hint: "juicectl runs hooks as root and does not search PATH: "
                    + "name the program by its absolute path, e.g. /usr/local/bin/app-flush"),
            ExpectedDiagnostic.quiesce(
                "post:\n  - [/bin/true]\n  - [./resume]", 8, 10, at: "post[1][0]",
                "the program './resume' is not an absolute path", hint: "does not search PATH"),
            ExpectedDiagnostic.quiesce(
                "pre:\n  - [\"\"]", 7, 10, at: "pre[0][0]", "the program '' is not an absolute path",
                hint: "does not search PATH"),
            ExpectedDiagnostic.quiesce("pre:\n  - [/usr/local/../bin/flush]", 7, 10, at: "pre[0][0]", "has '.' or '..' components"),
        ])
    func relativeProgram(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test(
        "a word that is not a string is a type error at that word",
        arguments: [
            ("5", "an integer"), ("true", "a boolean"), ("~", "null"), ("1.5", "a number"), ("[a]", "a list"), ("{a: b}", "a mapping"),
        ])
    func wordNotAString(word: String, found: String) {
        let yaml = SpecFixture.quiesce("pre:\n  - [/bin/sleep, \(word)]")
        ExpectedDiagnostic(
            yaml: yaml, line: 7, column: 22, path: "checkpoints.quiesce.pre[0][1]",
            message: "expected a string (quote words such as \"5\" or \"true\"), found \(found)"
        ).check()
        #expect(SpecFixture.errors(yaml).count == 1, "\(SpecFixture.errors(yaml))")
    }

    @Test("a program that is not a string is a type error at the program, and only that", arguments: ["42", "[/bin/a]", "{a: 1}"])
    func programNotAString(word: String) {
        let yaml = SpecFixture.quiesce("post:\n  - [\(word), --x]")
        ExpectedDiagnostic(yaml: yaml, line: 7, column: 10, path: "checkpoints.quiesce.post[0][0]", message: "expected a string").check()
        #expect(SpecFixture.errors(yaml).count == 1, "\(SpecFixture.errors(yaml))")
    }

    @Test(
        "a NUL in any word of a hook is an error at that word",
        arguments: [
            ("[\"/bin/a\\0b\"]", 10, "[0][0]", "'/bin/a\\0b'"), ("[/bin/echo, \"a\\0\"]", 21, "[0][1]", "'a\\0'"),
        ])
    func nulInWord(command: String, column: Int, index: String, quoted: String) {
        ExpectedDiagnostic.quiesce(
            "pre:\n  - \(command)", 7, column, at: "pre\(index)",
            "\(quoted) contains a NUL character, which no word of a command can hold"
        ).check()
    }

    @Test(
        "a command is a non-empty list of words",
        arguments: [
            ExpectedDiagnostic.quiesce(
                "pre:\n  - /usr/local/bin/app-flush --fast", 7, 9, at: "pre[0]", "expected a list, found a string",
                hint: "a command is a list of words: write [\"/usr/local/bin/app-flush\", \"--fast\"]"),
            ExpectedDiagnostic.quiesce(
                "post:\n  - []", 7, 9, at: "post[0]", "expected at least 1 item(s)",
                hint: "a command holds at least its program"),
            ExpectedDiagnostic.quiesce("pre:\n  - {run: /bin/a}", 7, 9, at: "pre[0]", "expected a list, found a mapping"),
            ExpectedDiagnostic.quiesce(
                "pre: [/bin/a, --x]", 6, 11, at: "pre[0]", "expected a list, found a string",
                hint: "write [\"/bin/a\"]"),
            ExpectedDiagnostic.quiesce("post: /bin/a", 6, 11, at: "post", "expected a list, found a string"),
        ])
    func commandShape(expected: ExpectedDiagnostic) {
        expected.check()
    }

    @Test("at most 64 commands, 256 words a command and 4096 characters a word")
    func limits() throws {
        let command = "[/bin/true]"
        let sixtyFour = try SpecFixture.spec(SpecFixture.quiesce("pre: [\(Array(repeating: command, count: 64).joined(separator: ", "))]"))
        #expect(sixtyFour.checkpoints.quiesce?.pre.count == 64)
        ExpectedDiagnostic.quiesce(
            "post: [\(Array(repeating: command, count: 65).joined(separator: ", "))]", 6, 11, at: "post",
            "has 65 items, more than the 64 allowed"
        ).check()

        let words = { (count: Int) in "pre:\n  - [/bin/echo" + String(repeating: ", w", count: count - 1) + "]" }
        let longest = try SpecFixture.spec(SpecFixture.quiesce(words(256)))
        #expect(longest.checkpoints.quiesce?.pre.first?.count == 256)
        ExpectedDiagnostic.quiesce(words(257), 7, 9, at: "pre[0]", "has 257 items, more than the 256 allowed").check()

        let word = { (length: Int) in "pre:\n  - [/bin/echo, \(String(repeating: "é", count: length))]" }
        let widest = try SpecFixture.spec(SpecFixture.quiesce(word(4096)))
        #expect(widest.checkpoints.quiesce?.pre.first?.last?.unicodeScalars.count == 4096)
        ExpectedDiagnostic.quiesce(word(4097), 7, 21, at: "pre[0][1]", "is longer than 4096 characters").check()
    }

    @Test(
        "a duration outside its range, or not a duration, is an error at its value",
        arguments: [
            ExpectedDiagnostic.quiesce(
                "pre: [[/bin/a]]\nhookTimeout: 999ms", 7, 18, at: "hookTimeout", "'999ms' is below the minimum 1s",
                hint: "1s to 1h"),
            ExpectedDiagnostic.quiesce(
                "pre: [[/bin/a]]\nhookTimeout: 1h0m0.001s", 7, 18, at: "hookTimeout",
                "'1h0m0.001s' is above the maximum 1h"),
            ExpectedDiagnostic.quiesce("pre: [[/bin/a]]\nhookTimeout: \"0\"", 7, 18, at: "hookTimeout", "'0' is below the minimum 1s"),
            ExpectedDiagnostic.quiesce(
                "pre: [[/bin/a]]\nhookTimeout: 30", 7, 18, at: "hookTimeout",
                "expected a duration such as 30s, 5m or 1h30m, found an integer"),
            ExpectedDiagnostic.quiesce(
                "cgroups: [/sys/fs/cgroup/a]\nmaxFrozen: 9ms", 7, 16, at: "maxFrozen",
                "'9ms' is below the minimum 10ms", hint: "10ms to 10m"),
            ExpectedDiagnostic.quiesce(
                "cgroups: [/sys/fs/cgroup/a]\nmaxFrozen: 10m1s", 7, 16, at: "maxFrozen",
                "'10m1s' is above the maximum 10m"),
            ExpectedDiagnostic.quiesce("cgroups: [/sys/fs/cgroup/a]\nmaxFrozen: 10 s", 7, 16, at: "maxFrozen", "'10 s' is not a duration"),
        ])
    func durationOutOfRange(expected: ExpectedDiagnostic) {
        expected.check()
        #expect(SpecFixture.errors(expected.yaml).count == 1, "one problem, one error: \(SpecFixture.errors(expected.yaml))")
    }

    @Test("every error of quiesce and restore is reported in one run, in line order")
    func allErrorsAtOnce() {
        let errors = SpecFixture.errors(
            SpecFixture.yaml(
                """
                checkpoints:
                  quiesce:
                    cgroups: [/sys/fs/cgroup]
                    pre: [[flush]]
                    post: [["/bin/x", 1]]
                    hookTimeout: 0s
                    maxFrozn: 1s
                restore:
                  checkpoint: v1
                  requestId: r1
                  terminateUsers: "true"
                  grace: 2h

                """))
        #expect(
            errors.map(\.path) == [
                "checkpoints.quiesce.cgroups[0]", "checkpoints.quiesce.pre[0][0]", "checkpoints.quiesce.post[0][1]",
                "checkpoints.quiesce.hookTimeout", "checkpoints.quiesce.maxFrozn", "restore.terminateUsers", "restore.grace",
            ], "\(errors)")
        #expect(errors.map(\.location.line) == [6, 7, 8, 9, 10, 14, 15])
    }
}
