import FacegateCore
import Vault

/// An export for the DPO as text, with its format, ready to print or write.
public struct ExportDocument: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case jsonl, csv, json, markdown = "md", html
    }

    public var format: Format
    public var text: String

    /// A document written in Markdown, as Markdown or as an HTML page (`DocumentHTML`).
    static func written(_ markdown: String, title: String, as format: Format) -> ExportDocument {
        format == .html
            ? ExportDocument(format: .html, text: DocumentHTML.page(title: title, markdown: markdown))
            : ExportDocument(format: .markdown, text: markdown)
    }
}

/// CSV per RFC 4180: fields quoted when they contain a comma, quote or line break.
public enum CSV {
    public static func line(_ fields: [String]) -> String {
        fields.map { field in
            guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
            return "\"" + field.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
        }.joined(separator: ",")
    }
}

/// Signs a JSON Lines export so that the DPO can check offline that nothing was
/// changed, added or removed: the last line carries the BLAKE2b of every line before
/// it, the audit checkpoint at the time of export, and an Ed25519 signature of both.
public enum ExportSignature {
    public static func trailer(for lines: [String], checkpoint: AuditCheckpoint?, signingKey: (([UInt8]) -> [UInt8]), publicKey: [UInt8])
        -> String
    {
        let digest = Blake2b.hash(Array(lines.map { $0 + "\n" }.joined().utf8))
        var unsigned: JSONObject = [
            "type": "export_signature", "algorithm": "ed25519", "public_key": .string(Hex.encode(publicKey)),
            "content_blake2b": .string(Hex.encode(digest)),
        ]
        unsigned["audit_checkpoint"] = checkpoint.map { $0.json } ?? .null
        let signature = signingKey(Array(JSONValue.object(unsigned).canonical.serialized.utf8))
        unsigned["signature"] = .string(Hex.encode(signature))
        return JSONValue.object(unsigned).serialized
    }

    /// Checks a signed export: the trailer's digest and signature, and the embedded
    /// audit checkpoint's signature. Returns the number of content lines.
    public static func verify(lines: [String], publicKey trusted: [UInt8]?) throws -> Int {
        let content = lines.filter { !$0.isEmpty }
        guard let last = content.last, let trailer = try? JSONParser.parse(last), trailer["type"]?.stringValue == "export_signature" else {
            throw ConsentError(
                .verificationFailed, "the export has no signature line at its end: it was truncated or is not a signed facegate export")
        }
        guard var object = trailer.objectValue, let signature = object["signature"]?.stringValue.flatMap(Hex.decode) else {
            throw ConsentError(.verificationFailed, "the signature line is malformed")
        }
        object["signature"] = nil
        guard let embedded = object["public_key"]?.stringValue.flatMap(Hex.decode) else {
            throw ConsentError(.verificationFailed, "the signature line has no public key")
        }
        let key = trusted ?? embedded
        guard trusted == nil || trusted == embedded else {
            throw ConsentError(.verificationFailed, "the export was signed by another key than the one given")
        }
        guard
            SignatureVerifier.isValid(
                signature: signature, message: Array(JSONValue.object(object).canonical.serialized.utf8), publicKey: key)
        else {
            throw ConsentError(.verificationFailed, "the export's signature is invalid: the signature line was altered")
        }
        let body = Array(content.dropLast())
        let digest = Hex.encode(Blake2b.hash(Array(body.map { $0 + "\n" }.joined().utf8)))
        guard digest == object["content_blake2b"]?.stringValue else {
            throw ConsentError(
                .verificationFailed, "the export's content does not match its signed digest: a line was changed, added or removed")
        }
        if let checkpoint = object["audit_checkpoint"], checkpoint != .null {
            guard let seq = checkpoint["seq"]?.intValue, let hash = checkpoint["hash"]?.stringValue.flatMap(Hex.decode),
                let time = checkpoint["time"]?.stringValue,
                let checkpointSignature = checkpoint["signature"]?.stringValue.flatMap(Hex.decode),
                SignatureVerifier.isValid(
                    signature: checkpointSignature, message: AuditCheckpoint.message(seq: seq, hash: hash, time: time), publicKey: key)
            else {
                throw ConsentError(.verificationFailed, "the audit checkpoint embedded in the export does not verify")
            }
        }
        return body.count
    }
}
