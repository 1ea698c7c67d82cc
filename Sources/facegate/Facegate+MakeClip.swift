import ArgumentParser
import Edge
import FaceEngine
import FacegateCore
import FacegateTools
import Logging

extension Facegate {
    /// Builds a Y4M clip from still photos, for demos and tests.
    struct MakeClip: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "make-clip",
            abstract: "Write a Y4M video made of still photos, for demos and tests.",
            discussion: """
                Each SCENE is PATH:SECONDS[:FACE_PX]. With FACE_PX the photo is scaled so that its \
                largest face is FACE_PX wide and centred (a person at the door); without it the whole \
                photo is fitted into the frame. blank:SECONDS is an empty grey frame. This writes a \
                video file because you ask it to; the appliance itself never writes frames.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("The video to create (never overwritten).", valueName: "FILE"))
        var output: String

        @Option(help: ArgumentHelp("Frame size.", valueName: "WxH"))
        var size: String = "640x480"

        @Option(help: "Frames per second.")
        var fps: Int = 15

        @Argument(help: ArgumentHelp("Scenes, in order.", valueName: "SCENE"))
        var scenes: [String]

        func run() async throws {
            try await runReportingErrors(json: false) {
                let parts = size.split(separator: "x").compactMap { Int($0) }
                guard parts.count == 2, parts[0] >= 64, parts[1] >= 64, fps > 0 else {
                    throw CommandError(.invalidArgument, "--size must be WIDTHxHEIGHT (at least 64x64) and --fps positive")
                }
                let (width, height) = (parts[0], parts[1])
                let engine = try FaceEngine(models: try global.locateModels(), logger: global.makeLogger())
                let writer: Y4MWriter
                writer = try Y4MWriter(path: output, width: width, height: height, fps: fps)
                var frames = 0
                for scene in scenes {
                    let fields = scene.split(separator: ":").map(String.init)
                    guard fields.count >= 2, let seconds = Double(fields[1]), seconds > 0 else {
                        throw CommandError(.invalidArgument, "scene '\(scene)' must be PATH:SECONDS[:FACE_PX] or blank:SECONDS")
                    }
                    let frame = FrameComposer.canvas(width: width, height: height)
                    if fields[0] != "blank" {
                        let photo = try ImageDecoder().decode(file: fields[0])
                        if fields.count >= 3, let facePixels = Int(fields[2]), facePixels > 0 {
                            guard
                                let face = try engine.detect(in: photo, options: DetectionOptions(upsample: 1)).max(by: {
                                    $0.area < $1.area
                                })
                            else {
                                throw CommandError(.invalidArgument, "scene '\(scene)': no face found to scale to \(facePixels) px")
                            }
                            let scale = Double(facePixels) / Double(face.width)
                            let scaled = FrameComposer.resized(
                                photo, width: max(1, Int(Double(photo.width) * scale)), height: max(1, Int(Double(photo.height) * scale)))
                            FrameComposer.place(
                                scaled, on: frame, x: width / 2 - Int(face.centerX * scale), y: height / 2 - Int(face.centerY * scale))
                        } else {
                            let fitted = FrameComposer.fitted(photo, width: width, height: height)
                            FrameComposer.place(fitted, on: frame, x: (width - fitted.width) / 2, y: (height - fitted.height) / 2)
                        }
                    }
                    for _ in 0..<max(1, Int((seconds * Double(fps)).rounded())) {
                        try writer.append(frame)
                        frames += 1
                    }
                }
                try writer.finish()
                CommandOutput.line("wrote \(output): \(frames) frames, \(width)x\(height) at \(fps) fps")
            }
        }
    }
}
