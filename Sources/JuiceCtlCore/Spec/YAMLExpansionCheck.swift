internal import CYaml

/// Measures each document of a YAML stream on libyaml's events, before Yams builds a single node, and finds the
/// first document that breaks ``SpecNodeLimits``.
///
/// Yams composes a whole document before ``SpecNodeConverter`` sees it, and it is not safe against hostile input:
/// it recurses once per nesting level, and it hashes every mapping key to find duplicates, walking the whole key, so a
/// key that is an alias of an exponentially aliased value ("billion laughs" in a key) would take hours. This check
/// reads the events in one pass with an explicit stack and a size per anchor, so its time is linear in the text, and
/// it counts what the document would expand to: nodes and scalar text with every alias expanded, and the nesting
/// depth an alias adds where it is used. Yams is never handed a document that breaks a limit.
struct YAMLExpansionCheck {
    /// The first document that breaks a limit: its index in the stream, and which limit, located at the event that
    /// broke it (the alias, or the node that nests too deep).
    struct Overrun: Error {
        var document: Int
        var failure: SpecNodeConverter.Failure
    }

    /// The expanded size of a node.
    private struct Size {
        /// Nodes, aliases expanded (a mapping key counts as a node).
        var nodes = 0
        /// Bytes of scalar text, aliases expanded.
        var bytes = 0
        /// Levels below the node: 0 for a scalar.
        var height = 0
    }

    /// An open sequence or mapping.
    private struct Frame {
        var anchor: String?
        var size = Size(nodes: 1)
    }

    let file: String
    let limits: SpecNodeLimits

    init(file: String, limits: SpecNodeLimits = SpecNodeLimits()) {
        self.file = file
        self.limits = limits
    }

    /// The first document of `text` that breaks a limit, or `nil`. Also `nil` when libyaml reports an error first:
    /// Yams reports the same error at the same place.
    func firstOverrun(in text: String) -> Overrun? {
        var text = text
        return text.withUTF8 { buffer -> Overrun? in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { return nil }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            do throws(Overrun) {
                try walk(&parser)
                return nil
            } catch {
                return error
            }
        }
    }

    private func walk(_ parser: inout yaml_parser_t) throws(Overrun) {
        // Yams keeps anchors from one document to the next, so this does too.
        var anchors: [String: Size] = [:]
        var stack: [Frame] = []
        var total = Size()
        var document = -1
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else { return }
            defer { yaml_event_delete(&event) }
            let location = SourceLocation(file: file, line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)

            /// Adds a complete node (a scalar, an alias, a closed collection) to the document and to its parent.
            func add(_ size: Size, isNew: Bool) throws(Overrun) {
                if isNew {
                    total.nodes += size.nodes
                    total.bytes += size.bytes
                }
                if total.nodes > limits.maxNodes { throw Overrun(document: document, failure: .tooManyNodes(location)) }
                if total.bytes > limits.maxTextBytes { throw Overrun(document: document, failure: .tooMuchText(location)) }
                if stack.count + size.height > limits.maxDepth { throw Overrun(document: document, failure: .tooDeep(location)) }
                guard !stack.isEmpty else { return }
                stack[stack.count - 1].size.nodes += size.nodes
                stack[stack.count - 1].size.bytes += size.bytes
                stack[stack.count - 1].size.height = max(stack[stack.count - 1].size.height, size.height + 1)
            }

            switch event.type {
            case YAML_STREAM_END_EVENT:
                return
            case YAML_DOCUMENT_START_EVENT:
                document += 1
                total = Size()
                stack.removeAll()
            case YAML_SCALAR_EVENT:
                let size = Size(nodes: 1, bytes: Int(event.data.scalar.length))
                try add(size, isNew: true)
                if let anchor = Self.string(event.data.scalar.anchor) { anchors[anchor] = size }
            case YAML_ALIAS_EVENT:
                // An undefined alias is Yams' to report; count it as one node.
                try add(Self.string(event.data.alias.anchor).flatMap { anchors[$0] } ?? Size(nodes: 1), isNew: true)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                // Checked before going deeper, so that nothing (libyaml's stack included) grows past the limit.
                total.nodes += 1
                if total.nodes > limits.maxNodes { throw Overrun(document: document, failure: .tooManyNodes(location)) }
                if stack.count > limits.maxDepth { throw Overrun(document: document, failure: .tooDeep(location)) }
                let anchor = event.type == YAML_SEQUENCE_START_EVENT ? event.data.sequence_start.anchor : event.data.mapping_start.anchor
                stack.append(Frame(anchor: Self.string(anchor)))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let frame = stack.popLast() else { return }
                // Counted in the total as its children arrived; only the parent still needs it.
                try add(frame.size, isNew: false)
                if let anchor = frame.anchor { anchors[anchor] = frame.size }
            default:
                break
            }
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}
