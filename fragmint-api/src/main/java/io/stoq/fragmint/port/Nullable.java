package io.stoq.fragmint.port;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a component of an API record that may be null. The API's one rule for absent values:
 * every field is always sent; one marked here is sent as {@code null} when it has no value and its
 * OpenAPI schema says {@code "type": [..., "null"]}; in a request body it may be left out or sent
 * as null. Every field not marked is required and never null, in responses and in requests (a
 * request without it is refused with 400 naming the field). The schema generator and the request
 * body checks both read this annotation, so the document and the server cannot disagree.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD})
public @interface Nullable {}
