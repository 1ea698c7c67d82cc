import FacegateCore
import Logging

/// A `multipart/form-data` body parsed in memory: the form's text fields and its
/// files. Only what the console's forms and the API send is supported (no nested
/// multiparts, no transfer encodings). The files' bytes are copied out once; the
/// caller wipes the body it parsed.
struct MultipartForm {
    struct Part {
        var name: String
        var filename: String?
        var contentType: String?
        var bytes: [UInt8]
    }

    var parts: [Part] = []

    /// The boundary of a `multipart/form-data; boundary=…` content type.
    static func boundary(of contentType: String) -> String? {
        guard contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { String($0.trimmingWhiteSpace) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                var value = pair[1]
                if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                return value.isEmpty || value.utf8.count > 200 ? nil : value
            }
        }
        return nil
    }

    /// Parses `body`; throws `invalid_request` naming what is wrong.
    init(_ body: UnsafeRawBufferPointer, boundary: String) throws(ConsoleError) {
        let delimiter = Array("--\(boundary)".utf8)
        let bytes = body.bindMemory(to: UInt8.self)
        guard var position = Self.find(delimiter, in: bytes, from: 0) else {
            throw ConsoleError(.invalidRequest, "the multipart body has no part (boundary not found)")
        }
        position += delimiter.count
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if position + 2 <= bytes.count, bytes[position] == 45, bytes[position + 1] == 45 { return }
            guard position + 2 <= bytes.count, bytes[position] == 13, bytes[position + 1] == 10 else {
                throw ConsoleError(.invalidRequest, "the multipart body is malformed (a boundary is not followed by a line end)")
            }
            position += 2
            guard let headerEnd = Self.find([13, 10, 13, 10], in: bytes, from: position) else {
                throw ConsoleError(.invalidRequest, "the multipart body is malformed (a part has no end of headers)")
            }
            let headers = String(decoding: UnsafeBufferPointer(rebasing: bytes[position..<headerEnd]), as: UTF8.self)
            let start = headerEnd + 4
            guard let end = Self.find([13, 10] + delimiter, in: bytes, from: start) else {
                throw ConsoleError(.invalidRequest, "the multipart body is cut short (a part has no closing boundary)")
            }
            var part = Part(name: "", bytes: Array(UnsafeBufferPointer(rebasing: bytes[start..<end])))
            for line in headers.split(separator: "\r\n") {
                let pair = line.split(separator: ":", maxSplits: 1)
                guard pair.count == 2 else { continue }
                let field = String(pair[0].lowercased().trimmingWhiteSpace)
                let value = String(String(pair[1]).trimmingWhiteSpace)
                if field == "content-type" { part.contentType = value }
                if field == "content-disposition" {
                    part.name = Self.parameter("name", in: value) ?? ""
                    part.filename = Self.parameter("filename", in: value)
                }
            }
            guard !part.name.isEmpty else { throw ConsoleError(.invalidRequest, "a multipart part has no field name") }
            parts.append(part)
            position = end + 2 + delimiter.count
        }
    }

    /// The text of the fields named `name`, in order (checkboxes repeat a name).
    func values(_ name: String) -> [String] {
        parts.filter { $0.name == name && $0.filename == nil }.map { String(decoding: $0.bytes, as: UTF8.self) }
    }

    func value(_ name: String) -> String? { values(name).first }

    /// The files sent under `name` (empty file inputs, sent with no bytes, are skipped).
    func files(_ name: String) -> [Part] { parts.filter { $0.name == name && $0.filename != nil && !$0.bytes.isEmpty } }

    private static func parameter(_ name: String, in header: String) -> String? {
        for item in header.split(separator: ";").dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingWhiteSpace.lowercased() == name else { continue }
            var value = String(String(pair[1]).trimmingWhiteSpace)
            if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }

    /// The first index of `needle` in `haystack` at or after `start`.
    static func find(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = start
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var matched = true
                for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                    matched = false
                    break
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }
}
