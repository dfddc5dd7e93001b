"""Full-text search over what a person may see in their bodies: every version of every
document (page by page), comments and item conclusions."""
