/// System calls on a tree, by paths relative to its root, made one after the other on the thread of a
/// ``HostProbing/withTreeCalls(below:deadline:_:)`` session. None of them goes through or acts on a symbolic link
/// below the root: a link on the way fails the call with `ENOTDIR`, and the last name is acted on itself.
package protocol TreeCalls {
    /// `lstat` of `path`.
    func status(_ path: TreePath) -> EntryLookup
    /// `link(2)`: gives the file at `existing` the new name `newPath`, which must not exist. 0 or the errno.
    func link(_ existing: TreePath, as newPath: TreePath) -> Int32
    /// `rename(2)` of `source` over `destination`, replacing it atomically. 0 or the errno.
    func rename(_ source: TreePath, over destination: TreePath) -> Int32
    /// Sets the access and modification times of the entry at `path` itself, to the nanosecond. 0 or the errno.
    func setTimes(_ path: TreePath, accessed: FileTime, modified: FileTime) -> Int32
}
