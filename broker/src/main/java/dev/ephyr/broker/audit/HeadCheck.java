package dev.ephyr.broker.audit;

/**
 * What a node does when it opens a trail whose head file does not vouch for the end of the files: missing
 * (records exist without it), unreadable, forged, or recording more records than the files hold.
 */
public enum HeadCheck {
  /** Refuse to start: writing on would replace the head and erase the evidence of a cut trail. */
  REFUSE,
  /** Start anyway, recording in the trail what was found and that the operator accepted it. */
  ACCEPT_AND_RECORD
}
