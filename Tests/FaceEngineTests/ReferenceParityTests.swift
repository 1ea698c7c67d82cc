import FaceEngine
import FacegateCore
import FacegateTestSupport
import Foundation
import Testing

/// facegate must compute what the reference pipeline computes: face_recognition 1.3.0
/// (HOG with one upsample, 5-point landmarks, get_face_chip_details(shape, 150, 0.25),
/// ResNet, Pillow decoding). The golden file was written by
/// `bench/reference_face_recognition.py` with face_recognition 1.3.0 on the dlib-bin
/// 20.0.1 wheel, over the fixture photos.
@Suite("Parity with the face_recognition reference pipeline", .perTestLimit)
struct ReferenceParityTests {
    struct Golden {
        let file: String
        let width: Int
        let height: Int
        let boxes: [FaceBox]
        let embeddings: [[Float]]
    }

    static let golden: [Golden] = {
        let path = TestResources.repositoryRoot + "/Tests/FaceEngineTests/Golden/face_recognition-1.3.0-dlib-20.0.1.jsonl"
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let faces = object["faces"] as? [[String: Any]]
            else { return nil }
            let boxes = faces.map { face -> FaceBox in
                let box = face["box"] as! [String: Int]
                return FaceBox(left: box["left"]!, top: box["top"]!, right: box["right"]!, bottom: box["bottom"]!)
            }
            let embeddings = faces.map { ($0["embedding"] as! [Double]).map(Float.init) }
            return Golden(
                file: object["file"] as! String, width: object["width"] as! Int, height: object["height"] as! Int,
                boxes: boxes, embeddings: embeddings)
        }
    }()

    @Test("the golden file covers every fixture photo")
    func goldenLoaded() {
        #expect(Self.golden.count == 8)
    }

    /// Both builds of the HOG, landmark and chip code where the CPU can run both (the
    /// v3 one must then load: a missing library beside the test binary fails here).
    static let paths = SIMDPath.allCases.filter(\.cpuSupports)

    @Test("same faces, same boxes, descriptors within 1e-4, on each code path", arguments: golden.map(\.file), paths)
    func parity(file: String, path: SIMDPath) throws {
        let reference = try #require(Self.golden.first { $0.file == file })
        let analysis = try TestEngine.engine(on: path).analyze(
            file: TestResources.fixture(file), decoder: ImageDecoder(), options: DetectionOptions(upsample: 1), describe: true)
        #expect(analysis.width == reference.width && analysis.height == reference.height)
        let boxes = analysis.faces.map { $0.box.clipped(width: analysis.width, height: analysis.height) }
        #expect(boxes.map(\.left) == reference.boxes.map(\.left))
        #expect(boxes.map(\.top) == reference.boxes.map(\.top))
        #expect(boxes.map(\.right) == reference.boxes.map(\.right))
        #expect(boxes.map(\.bottom) == reference.boxes.map(\.bottom))
        for (face, expected) in zip(analysis.faces, reference.embeddings) {
            let ours = FaceDescriptor(face.descriptor!.values)
            let distance = ours.distance(to: FaceDescriptor(expected))
            #expect(distance <= 1e-4, "\(file) on \(path): descriptor differs from the reference by \(distance)")
        }
    }
}
