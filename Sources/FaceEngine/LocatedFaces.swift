/// The faces a detection found and the image it found them in: the photo itself, or
/// the low-light enhanced copy of a dark photo in which only that copy showed faces
/// (`FaceEngine+Fallback.swift`). Landmarks, chips and descriptors are taken from
/// `image`, so that a face is described in the pixels it was found in.
struct LocatedFaces {
    var boxes: [FaceBox]
    var image: RGBImage
}
