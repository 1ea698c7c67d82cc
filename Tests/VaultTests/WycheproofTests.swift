import FacegateCore
import FacegateTestSupport
import Foundation
import Testing
@_spi(KnownAnswerTests) import Vault

/// Privacy requirement 25: the Wycheproof XChaCha20-Poly1305 and Ed25519 vectors, run
/// through the calls the vault seals templates with and the audit log verifies
/// signatures with. The vectors live in `../shared/vectors/wycheproof` beside the
/// checkout (never in the repository); without it these tests are skipped, saying so.
@Suite("Wycheproof vectors", .perTestLimit)
struct WycheproofTests {
    static let directory = TestResources.wycheproofVectors
    static let absent = "../shared/vectors/wycheproof is absent beside the checkout: the Wycheproof vectors are not run"

    /// What one file's cases came to, for the one-line summary.
    struct Tally {
        var file: String
        var total = 0
        var valid = 0
        var validAccepted = 0
        var invalid = 0
        var invalidRejected = 0
        var acceptable = 0
        var acceptableAccepted = 0
        /// Cases the product cannot meet at all, by reason.
        var notApplicable: [String: Int] = [:]

        var run: Int { valid + invalid + acceptable }

        var summary: String {
            let skipped = notApplicable.values.reduce(0, +)
            let reasons = notApplicable.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: "; ")
            return "Wycheproof \(file): \(total) cases, \(run) run; valid accepted \(validAccepted)/\(valid); "
                + "invalid rejected \(invalidRejected)/\(invalid); acceptable \(acceptable) "
                + "(\(acceptableAccepted) accepted, \(acceptable - acceptableAccepted) rejected); "
                + "not applicable \(skipped)" + (reasons.isEmpty ? "" : " (\(reasons))")
        }

        /// Counts a case the product judged `accepted`, recording an issue when the
        /// vectors say otherwise. `acceptable` cases are only counted.
        mutating func judge(_ result: String, accepted: Bool, case id: String, sourceLocation: SourceLocation = #_sourceLocation) {
            switch result {
            case "valid":
                valid += 1
                if accepted {
                    validAccepted += 1
                } else {
                    Issue.record("\(file) \(id): a valid case was refused", sourceLocation: sourceLocation)
                }
            case "invalid":
                invalid += 1
                if !accepted {
                    invalidRejected += 1
                } else {
                    Issue.record("\(file) \(id): an invalid case was accepted", sourceLocation: sourceLocation)
                }
            case "acceptable":
                acceptable += 1
                if accepted { acceptableAccepted += 1 }
            default:
                Issue.record("\(file) \(id): unknown result \"\(result)\"", sourceLocation: sourceLocation)
            }
        }
    }

    /// One test case of a vector file, with the group it belongs to.
    struct VectorCase {
        var group: JSONValue
        var test: JSONValue

        var id: String {
            let comment = test["comment"]?.stringValue ?? ""
            return "tcId \(test["tcId"]?.intValue ?? -1)" + (comment.isEmpty ? "" : " (\(comment))")
        }

        var result: String { test["result"]?.stringValue ?? "" }

        /// A hex field of the test, failing loudly when it is missing or not hex.
        func bytes(_ field: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
            try #require(test[field]?.stringValue.flatMap(Hex.decode), "\(id): no hex field \(field)", sourceLocation: sourceLocation)
        }
    }

    /// Every case of `name`, checking that the file holds as many as it says.
    static func cases(of name: String) throws -> [VectorCase] {
        let directory = try #require(directory, Comment(rawValue: absent))
        let data = try #require(FileManager.default.contents(atPath: directory + "/" + name), "cannot read \(directory)/\(name)")
        let document = try JSONParser.parse([UInt8](data))
        let groups = try #require(document["testGroups"]?.arrayValue, "\(name) has no testGroups")
        let cases = groups.flatMap { group in (group["tests"]?.arrayValue ?? []).map { VectorCase(group: group, test: $0) } }
        #expect(cases.count == document["numberOfTests"]?.intValue, "\(name): the cases found differ from numberOfTests")
        return cases
    }

    @Test(
        "every applicable Wycheproof XChaCha20-Poly1305 case opens or is refused through the vault's sealed box as the vectors say",
        .enabled(if: directory != nil, Comment(rawValue: absent)))
    func xchacha20Poly1305() throws {
        let name = "xchacha20_poly1305_test.json"
        var tally = Tally(file: name)
        for vector in try Self.cases(of: name) {
            tally.total += 1
            let keyBytes = try vector.bytes("key")
            let nonce = try vector.bytes("iv")
            let tag = try vector.bytes("tag")
            // The vault only ever seals with 256-bit keys, 24-byte nonces and 16-byte
            // tags, in one fixed layout: other sizes cannot even be written as a sealed box.
            if keyBytes.count != SecretKey.byteCount {
                tally.notApplicable["with a \(keyBytes.count * 8)-bit key (the vault's keys are 256-bit)", default: 0] += 1
                continue
            }
            if nonce.count != SealedBox.nonceBytes {
                tally.notApplicable["with a nonce other than 192 bits (the sealed box always carries a 24-byte nonce)", default: 0] += 1
                continue
            }
            if tag.count != SealedBox.tagBytes {
                tally.notApplicable["with a tag other than 128 bits (the sealed box always carries a 16-byte tag)", default: 0] += 1
                continue
            }
            let key = try #require(keyBytes.withUnsafeBytes { SecretKey(bytes: $0) })
            let associatedData = try vector.bytes("aad")
            let message = try vector.bytes("msg")
            let ciphertext = try vector.bytes("ct")
            // The vault's own layout: nonce || ciphertext || tag.
            let sealed = nonce + ciphertext + tag
            let opened = SealedBox.open(sealed, key: key, associatedData: associatedData).map {
                [UInt8](UnsafeRawBufferPointer($0.bytes))
            }
            var accepted = opened != nil
            if let opened, opened != message {
                Issue.record("\(name) \(vector.id): opened to other bytes than the expected plaintext")
                accepted = false
            }
            if vector.result == "valid" {
                let resealed = message.withUnsafeBytes {
                    SealedBox.seal($0, key: key, associatedData: associatedData, nonce: nonce)
                }
                if resealed != sealed {
                    Issue.record("\(name) \(vector.id): sealing under the vector's nonce gave other bytes than its ciphertext and tag")
                    accepted = false
                }
            }
            tally.judge(vector.result, accepted: accepted, case: vector.id)
        }
        print(tally.summary)
        #expect(tally.run > 0)
    }

    @Test(
        "every Wycheproof Ed25519 signature is accepted or refused by the audit log's verifier as the vectors say",
        .enabled(if: directory != nil, Comment(rawValue: absent)))
    func ed25519() throws {
        let name = "ed25519_test.json"
        var tally = Tally(file: name)
        for vector in try Self.cases(of: name) {
            tally.total += 1
            let publicKey = try #require(
                vector.group["publicKey"]?["pk"]?.stringValue.flatMap(Hex.decode), "\(name) \(vector.id): the group has no public key")
            let signature = try vector.bytes("sig")
            let message = try vector.bytes("msg")
            let verified = SignatureVerifier.isValid(signature: signature, message: message, publicKey: publicKey)
            tally.judge(vector.result, accepted: verified, case: vector.id)
        }
        print(tally.summary)
        #expect(tally.run > 0)
    }
}
