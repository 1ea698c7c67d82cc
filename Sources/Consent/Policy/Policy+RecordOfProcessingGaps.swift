extension Policy {
    /// Text that marks a value as the shipped example rather than the operator's own:
    /// `policy/default.toml` fills the controller with an example venue, street, town
    /// and `example.org` addresses so that the appliance runs out of the box. A record
    /// of processing naming them is not a record of anyone's processing, so the export
    /// refuses it (unless asked for a draft) and `doctor` warns. A value containing
    /// any of these (case-insensitively) counts as unfilled. Defined here once.
    public static let placeholderMarkers = [
        "Example Venue Ltd", "Example Street", "Example Town", "example.org", "example.com", "the national data-protection authority",
    ]

    /// Whether `value` is empty (or blank) or still contains a shipped placeholder.
    public static func isUnfilled(_ value: String) -> Bool {
        guard !value.allSatisfy(\.isWhitespace) else { return true }
        let lowered = value.lowercased()
        return placeholderMarkers.contains { lowered.contains($0.lowercased()) }
    }

    /// The policy keys of the Art. 30(1) fields that are empty or still the shipped
    /// placeholder, in the policy file's order (`controller.name`,
    /// `record_of_processing.recipients`, ...). Empty when the record can be exported
    /// as final. A list is unfilled when it is empty or any of its entries is.
    public var unfilledRecordOfProcessingFields: [String] {
        var keys: [String] = []
        func check(_ key: String, _ value: String) { if Self.isUnfilled(value) { keys.append(key) } }
        func check(_ key: String, _ values: [String]) {
            if values.isEmpty || values.contains(where: Self.isUnfilled) { keys.append(key) }
        }
        check("controller.name", controller.name)
        check("controller.address", controller.address)
        check("controller.contact", controller.contact)
        check("controller.dpo_contact", controller.dpoContact)
        check("controller.supervisory_authority", controller.supervisoryAuthority)
        for purpose in purposes {
            check("purposes.\(purpose.id).description", purpose.description)
            check("purposes.\(purpose.id).legal_basis", purpose.legalBasis)
        }
        check("record_of_processing.data_subject_categories", recordOfProcessing.dataSubjectCategories)
        check("record_of_processing.personal_data_categories", recordOfProcessing.personalDataCategories)
        check("record_of_processing.recipients", recordOfProcessing.recipients)
        check("record_of_processing.transfers", recordOfProcessing.transfers)
        check("record_of_processing.security_measures", recordOfProcessing.securityMeasures)
        return keys
    }
}
