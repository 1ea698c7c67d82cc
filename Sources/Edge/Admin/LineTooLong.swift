/// Thrown by the line decoder when a line exceeds the limit.
package struct LineTooLong: Error {}
