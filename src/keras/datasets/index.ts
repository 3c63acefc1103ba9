export * as mnist from './mnist.js';
