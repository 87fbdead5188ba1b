internal import Foundation
package import JuiceCtl
package import JuiceCtlCore

/// What the kernel reports on the fake host: the mount table, loop devices, processes (command lines, liveness,
/// start times, signals), open files and the users of trees.
extension FakeHost {
    package func mountInfo() throws -> String {
        let (text, failure) = update { state in
            state.calls.append("mountInfo")
            return (state.mountInfo, state.mountInfoFailure)
        }
        if let failure { throw FakeHostError(message: failure) }
        return text
    }

    package func processes() -> [Int32: [String]] {
        update { state in
            state.calls.append("processes")
            return state.commandLines.filter { state.livePIDs.contains($0.key) }
        }
    }

    package func signal(_ pid: Int32, _ signal: Int32) -> Bool {
        update { state in
            state.calls.append("signal \(pid) \(signal)")
            state.signals.append((pid, signal))
            guard state.livePIDs.contains(pid) else { return false }
            if signal == SIGKILL || (signal == SIGTERM && !state.ignoringSIGTERM.contains(pid)) { state.livePIDs.remove(pid) }
            return true
        }
    }

    package func loopDevices() -> [LoopDevice] {
        update { state in
            state.calls.append("loopDevices")
            return state.loopDevices
        }
    }

    package func commandLine(of pid: Int32) -> [String]? {
        update { state in
            state.calls.append("commandLine \(pid)")
            return state.livePIDs.contains(pid) ? state.commandLines[pid] : nil
        }
    }

    package func isAlive(_ pid: Int32) -> Bool {
        update { state in
            state.calls.append("isAlive \(pid)")
            return state.livePIDs.contains(pid)
        }
    }

    package func openFiles(onMount mountID: Int) -> Int {
        update { state in state.openFilesOnMount[mountID] ?? 0 }
    }

    package func processesUsing(_ path: String) -> [Int32] {
        update { state in
            state.calls.append("processesUsing \(path)")
            return state.processesUsing[path] ?? []
        }
    }

    /// Answers ``State/treeUsersAnswer`` when set, else the users of ``State/treeUsers`` whose tree is one of the
    /// query's; records the query (call `treeUsers TREE,TREE`).
    package func treeUsers(_ query: TreeUsageQuery) async -> [TreeUser] {
        let (users, answer) = update { state in
            state.calls.append("treeUsers \(query.trees.joined(separator: ","))")
            state.treeUsageQueries.append(query)
            return (state.treeUsers, state.treeUsersAnswer)
        }
        if let answer { return answer(query) }
        return users.filter { query.trees.contains($0.tree) }
    }

    /// The start time set for `pid` while it is alive, else `nil`.
    package func processStartTime(_ pid: Int32) -> UInt64? {
        update { state in
            state.calls.append("processStartTime \(pid)")
            return state.livePIDs.contains(pid) ? state.startTimes[pid] : nil
        }
    }
}
