/// The faces a detection found and the image it found them in: the photo itself, or
/// the low-light enhanced copy of a dark photo in which only that copy showed faces
/// (`FaceEngine+Fallback.swift`). Landmarks, chips and descriptors are taken from
/// `image`, so that a face is described in the pixels it was found in.
struct LocatedFaces {
    /// In the photo's pixels, as reported.
    var boxes: [FaceBox]
    var image: RGBImage
    /// Set when `image` is not the photo's size: a large dark photo is enhanced at the
    /// detection's working size (`plan`'s), not at full resolution.
    var plan: DetectionPlan? = nil

    /// `box` (in the photo's pixels) in `image`'s pixels.
    func inImage(_ box: FaceBox) -> FaceBox { plan?.mapToWorking(box) ?? box }

    /// Landmarks fitted in `image`, in the photo's pixels.
    func inPhoto(_ landmarks: FaceLandmarks, box: FaceBox) -> FaceLandmarks {
        guard let plan else { return landmarks }
        return FaceLandmarks(box: box, points: landmarks.points.map(plan.mapToOriginal))
    }
}
