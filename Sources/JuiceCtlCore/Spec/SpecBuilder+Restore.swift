/// The restore section: the request, and what to do about processes that use /active.
extension SpecBuilder {
    mutating func restore(_ node: SpecNode?) -> VolumeSpec.RestoreRequest? {
        guard let node, node.entries != nil else { return nil }
        var terminateUsers = false
        if case .bool(let value) = node["terminateUsers"]?.value { terminateUsers = value }
        let graceNode = node["grace"]
        let grace = values.duration("restore.grace")
        if let graceNode, grace != nil, !terminateUsers {
            warning(graceNode, "restore.grace", "grace has no effect without terminateUsers: true")
        }
        // A missing or invalid checkpoint or request id is the validator's to report.
        guard let checkpoint = node["checkpoint"]?.string, let requestId = node["requestId"]?.string,
            CheckpointName.isValid(checkpoint)
        else { return nil }
        return .init(
            checkpoint: checkpoint, requestId: requestId, terminateUsers: terminateUsers,
            grace: grace ?? VolumeSpec.RestoreRequest.defaultGrace)
    }
}
