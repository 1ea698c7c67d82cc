public import FacegateCore

extension RecognitionRule {
    /// What `status`, `health` and doctor's JSON say of the rule in force: numbers and
    /// fixed words, nothing about a person.
    public var json: JSONValue {
        [
            "threshold": .double(threshold), "margin": .double(margin), "derived": .bool(derived), "members": .int(members),
            "expected_fpir": .double(expectedFPIR), "expected_fnir": .double(expectedFNIR), "target_fpir": .double(targetFPIR),
            "meets_target": .bool(meetsTarget), "usable": .bool(usable), "calibration": .string(calibrationVersion),
            "claim_threshold": .double(claimThreshold), "claim_false_accept_rate": .double(claimFalseAcceptRate),
            "summary": .string(summary),
        ]
    }
}
