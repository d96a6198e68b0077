import { z } from 'zod';

/**
 * A product of the source catalogue, as the lab writes it and the projectors read it from the
 * stream's images. Prices are whole cents, so totals add up exactly.
 */
export const ProductSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1).max(200),
  category: z.string().min(1).max(100),
  priceCents: z.number().int().nonnegative(),
});

export type Product = z.infer<typeof ProductSchema>;

/** Validates an image; the error names each offending field, so a poison change is identified in the log. */
export function parseProduct(image: unknown): Product {
  const parsed = ProductSchema.safeParse(image);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `field ${issue.path.length > 0 ? issue.path.join('.') : '(item)'}: ${issue.message}`);
    throw new Error(`invalid product image: ${issues.join('; ')}`);
  }
  return parsed.data;
}
