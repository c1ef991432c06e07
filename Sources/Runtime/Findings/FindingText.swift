/// A finding as text for people: what the console sink prints, the webhook sink's `text` format
/// and the replay CLI show.
///
/// The first line is `[SEVERITY] title`; every other line is indented, so findings printed one
/// after another are easy to tell apart. Lines for values a finding does not have are left out.
///
/// ```
/// [HIGH] Crashing pod web-1
///   aggregation key: CrashLoop
///   source: kubernetes_api_server
///   subject: Pod prod/web-1 on node node-1
///   labels: app=web, tier=frontend
///   fingerprint: 01950db65438aa485281956b85520987934e1c55b5983b780423317289af7e3a
///   starts at: 2026-01-02T03:04:05Z
///   description:
///     The container restarted 3 times.
///   Changes:
///     spec.image: "web:1" -> "web:2"
/// ```
public enum FindingText {
    /// The finding as lines of text, each ending with a newline.
    public static func render(_ finding: Finding) -> String {
        lines(finding).map { $0 + "\n" }.joined()
    }

    /// The lines of ``render(_:)``, without newlines.
    static func lines(_ finding: Finding) -> [String] {
        var lines = ["[\(finding.severity.robustaName)] \(finding.title)"]
        lines.append("  aggregation key: \(finding.aggregationKey)")
        lines.append("  source: \(finding.source)")
        if let subject = subjectText(finding.subject) { lines.append("  subject: \(subject)") }
        if !finding.subject.labels.isEmpty { lines.append("  labels: \(pairsText(finding.subject.labels))") }
        if !finding.subject.annotations.isEmpty { lines.append("  annotations: \(pairsText(finding.subject.annotations))") }
        lines.append("  fingerprint: \(finding.fingerprint)")
        if let startsAt = finding.startsAt { lines.append("  starts at: \(RFC3339.format(startsAt))") }
        if let endsAt = finding.endsAt { lines.append("  ends at: \(RFC3339.format(endsAt))") }
        if let description = finding.description, !description.isEmpty {
            lines.append("  description:")
            lines += indented(textLines(description), by: 4)
        }
        for enrichment in finding.enrichments {
            let blockLines = enrichment.blocks.flatMap(blockLines)
            if let title = enrichment.title {
                lines.append("  \(title):")
                lines += indented(blockLines, by: 4)
            } else {
                lines += indented(blockLines, by: 2)
            }
        }
        return lines
    }

    static func subjectText(_ subject: FindingSubject) -> String? {
        let qualifiedName = [subject.namespace, subject.name].compactMap { $0 }.joined(separator: "/")
        var parts = [subject.kind, qualifiedName.isEmpty ? nil : qualifiedName].compactMap { $0 }
        if let node = subject.node, subject.kind != "Node" || subject.name != node { parts.append("on node \(node)") }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    /// `k=v, k2=v2`, keys sorted: how labels and annotations are written in text.
    public static func pairsText(_ pairs: [String: String]) -> String {
        pairs.keys.sorted().map { "\($0)=\(pairs[$0] ?? "")" }.joined(separator: ", ")
    }

    static func textLines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
    }

    static func indented(_ lines: [String], by spaces: Int) -> [String] {
        let prefix = String(repeating: " ", count: spaces)
        return lines.map { $0.isEmpty ? $0 : prefix + $0 }
    }

    static func blockLines(_ block: Block) -> [String] {
        switch block {
        case .markdown(let text):
            return textLines(text)
        case .list(let items):
            return items.flatMap { item in
                let itemLines = textLines(item)
                return ["- " + (itemLines.first ?? "")] + indented(Array(itemLines.dropFirst()), by: 2)
            }
        case .table(let headers, let rows, let name):
            return (name.isEmpty ? [] : [name]) + tableLines(headers: headers, rows: rows)
        case .json(let value):
            return textLines(value.prettySerialized())
        case .file(let name, let contents):
            if contents.isEmpty { return ["file \(name) (empty)"] }
            var body = textLines(contents)
            if body.last == "" { body.removeLast() }
            return ["file \(name):"] + indented(body, by: 2)
        case .emptyFile(let name, let remarks):
            return ["file \(name) (empty): \(remarks)"]
        case .kubernetesDiff(let changes):
            if changes.isEmpty { return ["(no changes)"] }
            return changes.map { change in
                "\(change.path): \(change.old?.serialized() ?? "(none)") -> \(change.new?.serialized() ?? "(none)")"
            }
        }
    }

    /// Columns padded to their widest cell, a dashed line under the headers.
    static func tableLines(headers: [String], rows: [[String]]) -> [String] {
        let columns = max(headers.count, rows.map(\.count).max() ?? 0)
        guard columns > 0 else { return [] }
        func cells(_ row: [String]) -> [String] {
            (0..<columns).map { $0 < row.count ? row[$0].replacingNewlines : "" }
        }
        let all = (headers.isEmpty ? [] : [cells(headers)]) + rows.map(cells)
        let widths = (0..<columns).map { column in all.map { $0[column].count }.max() ?? 0 }
        func line(_ row: [String]) -> String {
            var text = ""
            for (column, cell) in row.enumerated() {
                if column > 0 { text += "  " }
                text += cell + String(repeating: " ", count: widths[column] - cell.count)
            }
            while text.last == " " { text.removeLast() }
            return text
        }
        var lines: [String] = []
        if !headers.isEmpty {
            lines.append(line(cells(headers)))
            lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        }
        lines += rows.map { line(cells($0)) }
        return lines
    }
}

extension String {
    fileprivate var replacingNewlines: String {
        String(map { $0 == "\n" || $0 == "\r\n" || $0 == "\r" ? " " : $0 })
    }
}
