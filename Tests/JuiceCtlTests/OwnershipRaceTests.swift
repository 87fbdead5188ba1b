import Foundation
import JuiceCtlCore
import JuiceCtlTestSupport
import Synchronization
import Testing

/// Claimers racing for one record in virtual time: never two winners, whatever the order in which the store applies
/// their reads, writes and read-backs.
@Suite("Ownership races: two or three claimers, every order, never two winners")
struct OwnershipRaceTests {
    typealias F = OwnershipFixture

    /// One claimer's steps: R (read), W (write), V (read back).
    static let steps = ["read#1", "write#1", "read#2"]

    /// Every interleaving of A's R W V with B's R W V (20 orders), as store labels in the order the store is to
    /// apply them.
    static let orders: [[String]] = {
        var result: [[String]] = []
        func walk(_ a: Int, _ b: Int, _ order: [String]) {
            if a == 3 && b == 3 {
                result.append(order)
                return
            }
            if a < 3 { walk(a + 1, b, order + ["A.\(steps[a])"]) }
            if b < 3 { walk(a, b + 1, order + ["B.\(steps[b])"]) }
        }
        walk(0, 0, [])
        return result
    }()

    /// How a claimer ended.
    enum Ending: Sendable, Equatable, CustomStringConvertible {
        case outcome(ClaimOutcome)
        case failed(String)

        var won: Bool { if case .outcome(let outcome) = self { outcome.owns } else { false } }

        var description: String {
            switch self {
            case .outcome(.claimed(let record)): "claimed \(record.generation)"
            case .outcome(.alreadyOwned): "already owned"
            case .outcome(.ownedElsewhere): "owned elsewhere"
            case .outcome(.lostRace): "lost the race"
            case .failed(let error): "failed: \(error)"
            }
        }
    }

    /// Runs claimers `names` at once over one shared record; the store applies their calls as `policy` says.
    static func race(
        _ names: [String], initial: OwnershipRecord? = nil,
        policy: @escaping @Sendable (VirtualTime, [String]) -> String?
    ) async -> (endings: [Ending], releases: [String]) {
        let time = VirtualTime()
        let shared = InMemoryOwnershipStore(initial)
        let bodies: [@Sendable () async -> Ending] = names.map { name in
            let claim = F.claim(name, store: HeldStore(name.uppercased(), time: time, shared: shared), time: time)
            return {
                defer { time.finish(name.uppercased()) }
                do { return .outcome(try await claim.claim()) } catch { return .failed("\(error)") }
            }
        }
        let endings = await time.run(bodies) { held in policy(time, held) }
        return (endings, time.releases)
    }

    /// Releases calls in `order`; skips what a claimer that finished, or went another way (it started over), will not
    /// send; then releases the rest oldest first.
    static func scripted(_ order: [String]) -> @Sendable (VirtualTime, [String]) -> String? {
        let position = Mutex(0)
        return { time, held in
            position.withLock { position in
                while position < order.count {
                    let next = order[position]
                    let participant = String(next.prefix { $0 != "." })
                    if held.contains(next) {
                        position += 1
                        return next
                    }
                    let waitingElsewhere = held.contains { $0.hasPrefix(participant + ".") }
                    if time.isFinished(participant) || waitingElsewhere {
                        position += 1
                        continue
                    }
                    return nil
                }
                return held.first
            }
        }
    }

    @Test("two claimers, the store applying their reads, writes and read-backs in every order", arguments: orders)
    func twoClaimersInEveryOrder(_ order: [String]) async {
        let (endings, releases) = await Self.race(["a", "b"], policy: Self.scripted(order))
        let winners = endings.filter(\.won).count
        #expect(winners == 1, "order \(order.joined(separator: " ")): applied \(releases), endings \(endings)")
    }

    @Test(
        "two claimers over a released record and over none: the same, with the generation after the old one",
        arguments: [nil, F.record("c", generation: 9, state: .released)])
    func twoClaimersOverAnOldRecord(_ initial: OwnershipRecord?) async {
        for order in Self.orders {
            let (endings, releases) = await Self.race(["a", "b"], initial: initial, policy: Self.scripted(order))
            let winners = endings.compactMap { if case .outcome(.claimed(let record)) = $0 { record } else { nil } }
            #expect(winners.count == 1, "order \(order): applied \(releases), endings \(endings)")
            #expect(winners.allSatisfy { $0.generation == (initial?.generation ?? 0) + 1 })
        }
    }

    @Test("three claimers under 400 seeded random schedules, with calls held past their deadlines")
    func threeClaimersUnderRandomSchedules() async {
        var outcomes: [String: Int] = [:]
        for seed in 1...400 {
            let random = Mutex(SplitMix(seed: UInt64(seed)))
            // Release a random held call, or (one time in four) let time run on to the next wake-up or deadline.
            let policy: @Sendable (VirtualTime, [String]) -> String? = { _, held in
                random.withLock { generator in
                    guard !held.isEmpty, generator.next() % 4 != 0 else { return nil }
                    return held[Int(generator.next() % UInt64(held.count))]
                }
            }
            let (endings, releases) = await Self.race(["a", "b", "c"], policy: policy)
            let winners = endings.filter(\.won).count
            #expect(winners <= 1, "seed \(seed): applied \(releases), endings \(endings)")
            outcomes["\(winners) winner(s)", default: 0] += 1
        }
        // Most schedules end with one winner; the rest with none (every claimer's write was held past its deadline).
        #expect((outcomes["1 winner(s)"] ?? 0) > 200, "\(outcomes)")
    }
}
