public import FacegateCore

/// Verifies any facegate export offline: an audit export by its hash chain and
/// checkpoints, a fleet's audit export by every door's chain and the exporter's seal, any other JSON Lines export by its signature line.
public enum ExportVerification {
    public struct Result: Sendable {
        public var kind: String
        public var valid: Bool
        public var detail: JSONValue

        public var json: JSONValue {
            ["kind": .string(kind), "valid": .bool(valid), "detail": detail]
        }
    }

    public static func verify(text: String, publicKey: [UInt8]?) throws -> Result {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let first = lines.first(where: { !$0.isEmpty }), let header = try? JSONParser.parse(first) else {
            throw ConsentError(.verificationFailed, "the file is empty or does not start with a JSON line: it is not a facegate export")
        }
        let format = header["format"]?.stringValue ?? ""
        if format == "facegate-audit-export" {
            let report = try AuditVerifier.verify(lines: lines, publicKey: publicKey)
            return Result(kind: "audit", valid: report.isValid, detail: report.json)
        }
        if format == ConsentExports.fleetAuditFormat {
            let report = try AuditVerifier.verifyFleet(lines: lines, publicKey: publicKey)
            return Result(kind: "fleet-audit", valid: report.isValid, detail: report.json)
        }
        let count = try ExportSignature.verify(lines: lines, publicKey: publicKey)
        return Result(
            kind: format.isEmpty ? "export" : format, valid: true,
            detail: ["lines": .int(count), "public_key_source": .string(publicKey == nil ? "export" : "argument")])
    }
}
