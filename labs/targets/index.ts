export { targetFor } from './target-for';
