import Foundation

/// The `{"summary":{…}}` line `facegate run` writes on standard error when it ends.
public enum RunSummary {
    /// The last summary in `stderr`, as a dictionary; nil when there is none.
    public static func parse(_ stderr: String) -> [String: Any]? {
        for line in stderr.split(separator: "\n").reversed() {
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let summary = object["summary"] as? [String: Any]
            {
                return summary
            }
        }
        return nil
    }
}
