// Written by `facegate evaluate --write-calibration`: do not edit by hand.
extension RecognitionCalibration {
    /// The calibration the door derives its rule from (see `provenance`).
    public static let shipped = RecognitionCalibration(
        version: "shared-faces-27-2026.1",
        provenance:
            "../shared/faces/identities (the project's development set: 140 photos of 27 people, mostly press photos of public figures, copied unchanged from the public repositories of dlib (Boost-1.0, examples public domain), OpenFace and deepface (Apache-2.0/MIT) and face_recognition and CompreFace (MIT); its manifest.csv names each file's repository, commit and licence); 9,299 impostor and 431 genuine pairs; detector auto, plain descriptors; `facegate evaluate --labels ../shared/faces/identities/identities.csv --write-calibration`. Too few people to measure the tail below about 4e-3: F there is the fitted exponential tail. Replace with `make calibration` on a set of 1,000 or more people",
        binWidth: 0.01,
        impostorCounts: [
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 2, 0, 0, 0, 2, 0, 0, 1,
            2, 3, 2, 6, 7, 12, 21, 28, 43, 45,
            55, 76, 84, 123, 114, 154, 157, 176, 171, 189,
            202, 229, 275, 295, 304, 317, 337, 382, 400, 420,
            432, 411, 382, 431, 353, 359, 324, 313, 261, 218,
            185, 173, 129, 135, 135, 100, 82, 79, 43, 38,
            33, 17, 13, 13, 2, 3, 1, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ],
        genuineCounts: [
            0, 0, 0, 0, 0, 1, 0, 0, 2, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 2, 1,
            1, 5, 9, 6, 5, 5, 11, 16, 18, 19,
            25, 27, 21, 37, 20, 22, 25, 17, 16, 17,
            19, 14, 14, 6, 8, 6, 6, 2, 8, 6,
            2, 2, 2, 0, 3, 3, 0, 1, 0, 0,
            1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ])
}
