"""Reading the audited repository's git objects, as stored: history, trees and blobs."""
