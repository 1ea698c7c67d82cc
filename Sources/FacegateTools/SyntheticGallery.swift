import FacegateCore
public import Vault

/// Galleries of random templates for benchmarks: search time depends on the number
/// of templates, not on whose they are.
public enum SyntheticGallery {
    public static func make(templates: Int, seed: UInt64) -> Gallery {
        let gallery = Gallery(capacity: templates)
        var generator = SplitMix64(seed: seed)
        var values = [Float](repeating: 0, count: FaceDescriptor.dimensions)
        for _ in 0..<templates {
            for index in values.indices { values[index] = generator.nextDescriptorComponent() }
            values.withUnsafeBufferPointer { gallery.add(subject: .random(), template: .random(), values: $0) }
        }
        return gallery
    }
}
