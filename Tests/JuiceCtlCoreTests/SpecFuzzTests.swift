import Foundation
import Testing

@testable import JuiceCtlCore

/// Fuzzes what `juicectl validate` reads: thousands of generated and mutated YAML documents go through
/// ``SpecLoader`` (from text, and from files for raw bytes). Whatever the input, the loader returns: a valid spec and
/// no error, or errors that each name a line and column inside the document and say something; no document takes
/// long, and memory stays bounded.
///
/// Reproducible: each document depends only on the seed, its category and its index. `JUICECTL_FUZZ_SEED` sets the
/// seed (printed with the summary) and `JUICECTL_FUZZ_COUNT` the number of documents (default 6000; `make fuzz` runs
/// 100,000 with a fresh seed).
@Suite("Spec fuzzing")
struct SpecFuzzTests {
    @Test("generated and mutated documents never crash or hang: each loads as a valid spec or as errors with positions, in bounded memory")
    func fuzzedDocumentsAreValidOrHavePositionedErrors() throws {
        let settings = FuzzSettings.fromEnvironment()
        let corpus = try SpecFuzzGenerators.corpus()
        for (name, text) in corpus {
            let result = SpecLoader().load(text: text, file: name)
            #expect(
                !result.diagnostics.hasErrors && !result.specs.isEmpty, "the corpus document \(name) must be valid: \(result.diagnostics)")
        }
        var campaign = try FuzzCampaign(settings: settings, corpus: corpus.map(\.text))
        defer { campaign.finish() }
        try campaign.run()
        print(campaign.summary)
        #expect(campaign.totals.documents >= min(settings.count, 5000))
        #expect(campaign.totals.withoutPositions == 0, "\(campaign.summary)")
        #expect(campaign.totals.otherFailures == 0, "\(campaign.summary)")
        #expect(
            campaign.peakRSSGrowth < FuzzCampaign.memoryBound,
            "peak RSS grew by \(campaign.peakRSSGrowth >> 20) MiB while loading the fuzzed documents")
    }
}

/// The run's seed and size.
struct FuzzSettings {
    static let defaultSeed: UInt64 = 20_251_126
    static let defaultCount = 6000

    var seed: UInt64
    var count: Int

    static func fromEnvironment() -> FuzzSettings {
        let environment = ProcessInfo.processInfo.environment
        return FuzzSettings(
            seed: environment["JUICECTL_FUZZ_SEED"].flatMap { UInt64($0) } ?? defaultSeed,
            count: environment["JUICECTL_FUZZ_COUNT"].flatMap { Int($0) }.map { max(1, $0) } ?? defaultCount)
    }
}

/// The categories of generated input, in the order they run.
enum FuzzCategory: String, CaseIterable {
    case mutations = "mutations"
    case deepNesting = "deep nesting"
    case numbers = "odd numbers"
    case invalidUTF8 = "invalid UTF-8 and NULs"
    case aliases = "anchors and aliases"
    case longStrings = "long strings"
    case wrongTypes = "wrong types"

    /// How many documents of this category a run of `total` documents holds. The wrong types always cover every key
    /// and kind; long strings (a megabyte each) are a small share.
    func count(of total: Int) -> Int {
        let longStrings = max(8, total / 400)
        let wrongTypes = max(SpecFuzzGenerators.wrongTypeCases.count, total / 10)
        let rest = max(0, total - longStrings - wrongTypes)
        switch self {
        case .longStrings: return longStrings
        case .wrongTypes: return wrongTypes
        case .mutations: return rest * 45 / 100
        case .deepNesting: return rest * 12 / 100
        case .numbers: return rest * 14 / 100
        case .invalidUTF8: return rest * 14 / 100
        case .aliases: return rest - rest * 45 / 100 - rest * 12 / 100 - rest * 14 / 100 - rest * 14 / 100
        }
    }
}

/// Counts of one category, or of the whole run.
struct FuzzTally {
    var documents = 0
    /// Loads that gave a spec and no error.
    var valid = 0
    /// Loads that gave errors, every one with a position.
    var rejected = 0
    /// Diagnostics without a line and column inside the document, or without a message.
    var withoutPositions = 0
    /// Other broken promises: no error and no spec, a wrong type accepted, a slow document.
    var otherFailures = 0
    var slowest: Duration = .zero
    /// Which document was the slowest.
    var slowestLabel = ""
    var elapsed: Duration = .zero

    static func += (lhs: inout FuzzTally, rhs: FuzzTally) {
        lhs.documents += rhs.documents
        lhs.valid += rhs.valid
        lhs.rejected += rhs.rejected
        lhs.withoutPositions += rhs.withoutPositions
        lhs.otherFailures += rhs.otherFailures
        if rhs.slowest > lhs.slowest { (lhs.slowest, lhs.slowestLabel) = (rhs.slowest, rhs.slowestLabel) }
        lhs.elapsed += rhs.elapsed
    }
}

/// Runs every category, checks each document, and keeps the tallies.
struct FuzzCampaign {
    /// A document that takes longer fails the run: a hang detector, not a speed target.
    static let hangGuard: Duration = .seconds(10)
    /// A document slower than this is named in the output, to look into.
    static let slowNote: Duration = .seconds(2)
    /// The growth of the process's peak resident memory that fails the run.
    static let memoryBound = 1 << 30

    let settings: FuzzSettings
    let corpus: [String]
    private(set) var tallies: [FuzzCategory: FuzzTally] = [:]
    private(set) var peakRSSGrowth = 0
    private var reported = 0
    private let directory: TemporaryDirectory
    private let watchdog = Watchdog(abortAfter: .seconds(120))

    init(settings: FuzzSettings, corpus: [String]) throws {
        self.settings = settings
        self.corpus = corpus
        directory = try TemporaryDirectory()
    }

    var totals: FuzzTally {
        var total = FuzzTally()
        for tally in tallies.values { total += tally }
        return total
    }

    mutating func run() throws {
        let before = Self.peakRSS()
        watchdog.start()
        for (number, category) in FuzzCategory.allCases.enumerated() {
            let clock = ContinuousClock()
            let start = clock.now
            var tally = FuzzTally()
            for index in 0..<category.count(of: settings.count) {
                let label = "\(category.rawValue) #\(index) (JUICECTL_FUZZ_SEED=\(settings.seed))"
                watchdog.begin(label)
                let documentStart = clock.now
                var rng = SplitMix64.forDocument(seed: settings.seed, category: number, index: index)
                let document = generate(category, index: index, using: &rng)
                watchdog.describe(Self.excerpt(of: document))
                try check(document, label: label, into: &tally)
                let elapsed = clock.now - documentStart
                watchdog.end()
                if elapsed > tally.slowest { (tally.slowest, tally.slowestLabel) = (elapsed, "\(category.rawValue) #\(index)") }
                if elapsed > Self.slowNote {
                    let start = String(decoding: document.bytes.prefix(120), as: UTF8.self).replacing("\n", with: "⏎")
                    print("fuzz: slow: \(label) took \(Self.seconds(elapsed)) s (\(document.bytes.count) bytes: \(start)…)")
                }
                if elapsed > Self.hangGuard {
                    tally.otherFailures += 1
                    report("\(label) took \(elapsed), above the \(Self.hangGuard) hang guard", document)
                }
            }
            tally.elapsed = clock.now - start
            tallies[category] = tally
        }
        peakRSSGrowth = max(0, Self.peakRSS() - before)
    }

    func finish() {
        watchdog.stop()
        directory.remove()
    }

    private func generate(_ category: FuzzCategory, index: Int, using rng: inout SplitMix64) -> FuzzDocument {
        switch category {
        case .mutations: SpecFuzzGenerators.mutation(of: corpus[index % corpus.count], using: &rng)
        case .deepNesting: SpecFuzzGenerators.deepNesting(using: &rng)
        case .numbers: SpecFuzzGenerators.oddNumbers(using: &rng)
        case .invalidUTF8: SpecFuzzGenerators.invalidUTF8(of: corpus[index % corpus.count], using: &rng)
        case .aliases: SpecFuzzGenerators.aliases(using: &rng)
        case .longStrings: SpecFuzzGenerators.longStrings(using: &rng)
        case .wrongTypes:
            index < SpecFuzzGenerators.wrongTypeCases.count
                ? SpecFuzzGenerators.wrongTypeCases[index] : SpecFuzzGenerators.wrongTypes(using: &rng)
        }
    }

    /// Loads the document from text (and from a file when asked) and checks the loader's promises.
    private mutating func check(_ document: FuzzDocument, label: String, into tally: inout FuzzTally) throws {
        let text = String(decoding: document.bytes, as: UTF8.self)
        let lineLimit = Self.lineBreaks(in: text) + 1
        var problems: [String] = []
        var diagnostics: [Diagnostic] = []

        let fromText = SpecLoader().load(text: text, file: "fuzz.yaml")
        problems += Self.problems(fromText.diagnostics, specs: fromText.specs, file: "fuzz.yaml", lineLimit: lineLimit)
        diagnostics += fromText.diagnostics

        if document.viaFile {
            let path = try directory.write("fuzz.yaml", Data(document.bytes))
            let fromFile = SpecLoader().load(paths: [path])
            problems += Self.problems(fromFile.diagnostics, specs: fromFile.specs, file: path, lineLimit: lineLimit)
            diagnostics += fromFile.diagnostics
        }

        var otherFailure = problems.contains { !$0.hasPrefix("position:") } ? 1 : 0
        if let path = document.expectedErrorPath, !fromText.diagnostics.errors.contains(where: { $0.path == path }) {
            problems.append("a wrongly typed \(path) is not reported at \(path): \(fromText.diagnostics)")
            otherFailure = 1
        }
        tally.documents += 1
        tally.otherFailures += otherFailure
        if problems.contains(where: { $0.hasPrefix("position:") }) {
            tally.withoutPositions += 1
        } else if diagnostics.hasErrors {
            tally.rejected += 1
        } else {
            tally.valid += 1
        }
        if !problems.isEmpty { report("\(label): " + problems.joined(separator: "; "), document) }
    }

    /// What is wrong with one load's result: `position:` problems for diagnostics without a usable place.
    static func problems(_ diagnostics: [Diagnostic], specs: [VolumeSpec], file: String, lineLimit: Int) -> [String] {
        var problems: [String] = []
        if !diagnostics.hasErrors && specs.isEmpty { problems.append("no error and no spec") }
        for diagnostic in diagnostics {
            let location = diagnostic.location
            if location.line < 1 || location.column < 1 || location.line > lineLimit || location.file != file {
                problems.append("position: \(diagnostic) is not inside the document (\(lineLimit) lines)")
            }
            if diagnostic.message.isEmpty { problems.append("position: a diagnostic without a message at \(location)") }
        }
        return problems
    }

    /// Line breaks as libyaml counts them (LF, CR, CRLF, NEL, LS, PS); CRLF counted twice is an upper bound.
    static func lineBreaks(in text: String) -> Int {
        var text = text
        // LF, CR, and the lead bytes of NEL (C2 85) and LS/PS (E2 80 A8/A9): an upper bound is enough.
        return text.withUTF8 { bytes in
            var count = 0
            for index in bytes.indices where bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0xC2 || bytes[index] == 0xE2 {
                count += 1
            }
            return count
        }
    }

    private mutating func report(_ message: String, _ document: FuzzDocument) {
        reported += 1
        guard reported <= 20 else { return }
        Issue.record(Comment(rawValue: "\(message)\n\(Self.excerpt(of: document))"))
    }

    static func excerpt(of document: FuzzDocument) -> String {
        "--- document (\(document.bytes.count) bytes) starts:\n" + String(decoding: document.bytes.prefix(300), as: UTF8.self)
    }

    var summary: String {
        let total = totals
        let parts = FuzzCategory.allCases.map { "\(tallies[$0]?.documents ?? 0) \($0.rawValue)" }.joined(separator: ", ")
        let positions = total.withoutPositions == 0 ? "all with positions" : "\(total.withoutPositions) without positions"
        return "fuzz: \(total.documents) documents (\(parts)): 0 crashes, \(total.valid) valid, \(total.rejected) errors, \(positions), "
            + "\(total.otherFailures) other failures; seed \(settings.seed), \(Self.seconds(total.elapsed)) s, "
            + "slowest document \(Self.seconds(total.slowest)) s (\(total.slowestLabel)), peak RSS +\(peakRSSGrowth >> 20) MiB"
    }

    private static func seconds(_ duration: Duration) -> String {
        String(format: "%.2f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }

    /// The process's peak resident set size (VmHWM), in bytes.
    static func peakRSS() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return 0 }
        return kib << 10
    }
}

/// Aborts the process, naming the document, when one document runs far beyond the hang guard: a hang would
/// otherwise stall the whole test run with no word of which input caused it.
final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var current: (label: String, since: ContinuousClock.Instant)?
    private var document = ""
    private var stopped = false
    private let abortAfter: Duration

    init(abortAfter: Duration) { self.abortAfter = abortAfter }

    func start() {
        Thread.detachNewThread { [self] in
            while true {
                Thread.sleep(forTimeInterval: 1)
                lock.lock()
                let (stopped, current) = (self.stopped, self.current)
                lock.unlock()
                if stopped { return }
                if let current, ContinuousClock.now - current.since > abortAfter {
                    lock.lock()
                    let document = self.document
                    lock.unlock()
                    FileHandle.standardError.write(
                        Data("fuzz: \(current.label) has run for more than \(abortAfter): a hang\n\(document)\n".utf8))
                    abort()
                }
            }
        }
    }

    func begin(_ label: String) {
        lock.lock()
        current = (label, ContinuousClock.now)
        lock.unlock()
    }

    func describe(_ document: String) {
        lock.lock()
        self.document = document
        lock.unlock()
    }

    func end() {
        lock.lock()
        current = nil
        lock.unlock()
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }
}
