extension VerificationMetrics {
    /// The ROC curve as CSV: a `threshold,far,tar` header and one line per point.
    public var rocCSV: String {
        var text = "threshold,far,tar\n"
        for point in roc {
            text += "\(point.threshold),\(point.falseAcceptRate),\(point.trueAcceptRate)\n"
        }
        return text
    }

    /// Writes `rocCSV` to `path`, replacing the file if it exists.
    public func writeROC(to path: String) throws(EvaluationError) {
        try TextFile.write(rocCSV, to: path)
    }
}
