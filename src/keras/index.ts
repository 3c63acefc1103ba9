/**
 * The Keras-style frontend (`kiln/keras`): layers, models, fit, losses, metrics, optimizers,
 * callbacks. Its contents arrive with the Keras issue; the entry point exists so the package's
 * `./keras` export resolves.
 */
export const version = '0.1.0';
