//! The OpenAPI 3.1 document for the JSON API, written by hand.
//!
//! Clinical documents (intake, landmarks, report, plan) are referenced as objects in the
//! formats `tonus-app` documents (`docs/intake.md`, `docs/report-json.md`) rather than
//! repeated here. The router tests check that every path listed here is routed.

use axum::Json;
use serde_json::{Value, json};

fn op(summary: &str, body: Option<&str>, ok: &str) -> Value {
    let mut op = json!({
        "summary": summary,
        "responses": {
            ok: {"description": "success", "content": {"application/json": {"schema": {"type": "object"}}}},
            "401": {"$ref": "#/components/responses/Error"},
            "403": {"$ref": "#/components/responses/Error"},
            "404": {"$ref": "#/components/responses/Error"},
            "422": {"$ref": "#/components/responses/Error"}
        }
    });
    if let Some(schema) = body {
        op["requestBody"] = json!({
            "required": true,
            "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}
        });
    }
    op
}

fn id_param() -> Value {
    json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}])
}

/// `GET /api/openapi.json`.
pub(crate) async fn document() -> Json<Value> {
    Json(json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Tonus clinic API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Clients, assessments, reports and plans. Log in with POST /api/login; send the returned csrf_token as X-CSRF-Token on every POST, PUT and DELETE. Practitioners see their own and the clinic's shared clients; clients see only their own record."
        },
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"}
            },
            "responses": {
                "Error": {"description": "error", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}}}}
            },
            "schemas": {
                "Login": {"type": "object", "required": ["login", "password"], "properties": {
                    "login": {"type": "string"}, "password": {"type": "string", "format": "password"}}},
                "NewClient": {"type": "object", "required": ["display_name"], "properties": {
                    "display_name": {"type": "string"}, "reference": {"type": "string"},
                    "shared_with_clinic": {"type": "boolean", "default": false}}},
                "NewAssessment": {"type": "object", "description": "Give intake (an object in the intake file format) or intake_text with intake_format.", "properties": {
                    "intake": {"type": "object"},
                    "intake_text": {"type": "string"},
                    "intake_format": {"type": "string", "enum": ["toml", "json"]},
                    "landmarks": {"type": "array", "items": {"type": "object", "description": "a landmark file"}},
                    "complete": {"type": "boolean", "default": true}}},
                "NewNote": {"type": "object", "required": ["body"], "properties": {
                    "body": {"type": "string"}, "assessment": {"type": "string", "format": "uuid"}}},
                "DeskDays": {"type": "object", "required": ["days"], "properties": {"days": {"type": "array", "maxItems": 60, "items": {
                    "type": "object",
                    "required": ["day", "sitting_ms", "longest_bout_ms", "breaks_offered", "breaks_taken", "readable_ms", "within_ms", "nudges", "exercises_done"],
                    "additionalProperties": false,
                    "properties": {
                        "day": {"type": "string", "format": "date"},
                        "sitting_ms": {"type": "integer", "minimum": 0}, "longest_bout_ms": {"type": "integer", "minimum": 0},
                        "breaks_offered": {"type": "integer", "minimum": 0}, "breaks_taken": {"type": "integer", "minimum": 0},
                        "readable_ms": {"type": "integer", "minimum": 0}, "within_ms": {"type": "integer", "minimum": 0},
                        "nudges": {"type": "integer", "minimum": 0}, "exercises_done": {"type": "integer", "minimum": 0}}}}}},
                "PlanEdit": {"type": "object", "required": ["plan"], "properties": {
                    "plan": {"type": "object", "description": "the plan in the report's plan format"}}}
            }
        },
        "security": [{"session": [], "csrf": []}],
        "paths": {
            "/api/login": {"post": {"security": [], "summary": "Log in; sets the session cookie and returns the CSRF token",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Login"}}}},
                "responses": {"200": {"description": "logged in"}, "422": {"$ref": "#/components/responses/Error"}, "429": {"$ref": "#/components/responses/Error"}}}},
            "/api/logout": {"post": op("Log out", None, "204")},
            "/api/session": {"get": op("The logged-in user and the CSRF token", None, "200")},
            "/api/clients": {
                "get": {"parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}], "summary": "Clients you may see, optionally searched", "responses": {"200": {"description": "success"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}},
                "post": op("Create a client you own", Some("NewClient"), "201")
            },
            "/api/clients/{id}": {
                "parameters": id_param(),
                "get": op("One client", None, "200"),
                "delete": op("Erase the client's whole record, photos and login", None, "200")
            },
            "/api/clients/{id}/export": {
                "parameters": [
                    {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}},
                    {"name": "format", "in": "query", "required": false, "schema": {"type": "string", "enum": ["json", "fhir", "zip"], "default": "json"},
                     "description": "json: Tonus's lossless record; fhir: one FHIR R4 Bundle (application/fhir+json, photos inside); zip: JSON, CSVs and photos"}
                ],
                "get": op("The client's whole record", None, "200")
            },
            "/api/clients/{id}/notes": {
                "parameters": id_param(),
                "get": op("The client's notes (staff)", None, "200"),
                "post": op("Add a note, optionally about one of the client's assessments", Some("NewNote"), "201")
            },
            "/api/desk/days": {
                "post": op("A client's desk page sends its days' totals (each field keeps the larger of the stored and the sent value, so sending again changes nothing)", Some("DeskDays"), "200")
            },
            "/api/photos/{id}": {"parameters": id_param(), "get": {"summary": "A photo's bytes", "responses": {
                "200": {"description": "the image", "content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}},
                "404": {"$ref": "#/components/responses/Error"}}}},
            "/api/clients/{id}/assessments": {
                "parameters": id_param(),
                "get": op("The client's assessments (clients see completed ones only)", None, "200"),
                "post": op("Add an assessment, assessed by the engine unless complete is false", Some("NewAssessment"), "201")
            },
            "/api/assessments/{id}": {"parameters": id_param(), "get": op("An assessment with its report, plan, landmark sets and photos", None, "200")},
            "/api/assessments/{id}/photos": {
                "parameters": [
                    {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}},
                    {"name": "view", "in": "query", "required": true, "schema": {"type": "string", "enum": ["side-left", "side-right", "front", "back"]}}
                ],
                "post": {
                    "summary": "Add a photo (JPEG, PNG or WebP bytes as the body) to a draft assessment",
                    "requestBody": {"required": true, "content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}},
                    "responses": {"201": {"description": "stored"}, "413": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}
                }
            },
            "/api/assessments/{id}/plan": {
                "parameters": id_param(),
                "get": op("The plan: the engine's, the therapist's edit and the current one", None, "200"),
                "put": op("Record the therapist's edited plan", Some("PlanEdit"), "200")
            }
        }
    }))
}
