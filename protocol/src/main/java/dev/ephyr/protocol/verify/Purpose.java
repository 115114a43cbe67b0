package dev.ephyr.protocol.verify;

/** What the request wants to do with the token; binding is the one thing an unbound token may still do. */
public enum Purpose {
  /** Any ordinary use. */
  USE,
  /** Binding the acting task to the key that signs the request's proof ({@code task_bind}). */
  BIND
}
