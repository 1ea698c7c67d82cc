import FacegateCore
import Logging

/// The API's OpenAPI 3.1 description, served at `/api/v1/openapi.json` (for API
/// clients and for the fuzz run in the tests). Kept beside the routes it describes.
enum OpenAPIDocument {
    static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {"title": "facegate console API", "version": "1",
            "description": "The venue console's operations. Authenticate with 'Authorization: Bearer TOKEN' (facegate console token add) or a console session cookie plus 'X-CSRF-Token' on POST. Errors are {\"error\":{\"code\",\"message\",\"exit\"}}."},
          "servers": [{"url": "/"}],
          "security": [{"bearer": []}],
          "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
              "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message", "exit"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "exit": {"type": "integer"}}}}},
              "Box": {"type": "object", "required": ["left", "top", "right", "bottom"], "properties": {"left": {"type": "integer"}, "top": {"type": "integer"}, "right": {"type": "integer"}, "bottom": {"type": "integer"}}},
              "Face": {"type": "object", "required": ["box", "decision"], "properties": {
                "box": {"$ref": "#/components/schemas/Box"},
                "decision": {"type": "string", "enum": ["member", "unknown", "alert"]},
                "subject": {"type": ["string", "null"]}, "distance": {"type": ["number", "null"]},
                "name": {"type": "string"}, "purposes": {"type": "array", "items": {"type": "string"}},
                "consent_expires_at": {"type": "string"}, "recent_visits": {"type": "array", "items": {"type": "string"}},
                "incidents": {"type": "integer"}, "deny_listed": {"type": "boolean"},
                "detector": {"type": "string", "enum": ["hog", "hog-retry", "cnn", "hog-enhanced", "cnn-enhanced"]}}},
              "Identified": {"type": "object", "properties": {"faces": {"type": "array", "items": {"$ref": "#/components/schemas/Face"}},
                "images": {"type": "array"}, "error": {"type": "object"}}},
              "Subjects": {"type": "object", "required": ["subjects"], "properties": {"subjects": {"type": "array", "items": {"type": "object",
                "properties": {"subject": {"type": "string"}, "name": {"type": "string"}, "expires_at": {"type": "string"}, "purposes": {"type": "array", "items": {"type": "string"}}}}}}},
              "Enrolled": {"type": "object", "required": ["subject", "templates", "consent_record", "expires_at"], "properties": {"subject": {"type": "string"},
                "templates": {"type": "integer"}, "consent_record": {"type": "string"}, "expires_at": {"type": "string"}}},
              "Export": {"type": "object", "required": ["format", "content"], "properties": {"format": {"type": "string"}, "content": {"type": "string"}}},
              "Alert": {"type": "object", "required": ["alert", "subject", "status", "raised_at", "expires_at"], "properties": {
                "alert": {"type": "string"}, "subject": {"type": "string"}, "entry": {"type": "string"},
                "status": {"type": "string", "enum": ["open", "confirmed", "expired"]}, "raised_at": {"type": "string"}, "expires_at": {"type": "string"},
                "decision": {"type": ["string", "null"]}, "reason": {"type": ["string", "null"]}, "decided_by": {"type": ["string", "null"]},
                "decided_at": {"type": ["string", "null"]}, "name": {"type": "string"}}}
            },
            "responses": {
              "Refused": {"description": "A refusal: 400 bad request, 401 not signed in, 403 role or CSRF, 404 unknown, 405 method not allowed, 409 conflict, 413 too large, 422 no face, 429 locked, 503 busy", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            },
            "parameters": {
              "subject": {"name": "subject", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"}},
              "entry": {"name": "entry", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9a-f]{16}$"}}
            },
            "requestBodies": {
              "Reason": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["reason"],
                "properties": {"reason": {"type": "string", "minLength": 1}}}}}}
            }
          },
          "paths": {
            "/api/v1/status": {"get": {"operationId": "status", "summary": "Non-personal facts about the device", "responses": {
              "200": {"description": "Status", "content": {"application/json": {"schema": {"type": "object"}}}},
              "default": {"$ref": "#/components/responses/Refused"}}}},
            "/api/v1/identify": {"post": {"operationId": "identify", "summary": "Who is in a photo (staff, admin). Nothing is stored.",
              "requestBody": {"required": true, "content": {
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
                "multipart/form-data": {"schema": {"type": "object", "required": ["image"], "properties": {"image": {"type": "string", "format": "binary"}}}}}},
              "responses": {"200": {"description": "The faces found, each with its decision", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Identified"}}}},
                "default": {"$ref": "#/components/responses/Refused"}}}},
            "/api/v1/subjects": {
              "get": {"operationId": "listSubjects", "summary": "Enrolled members with their names (admin, dpo)", "responses": {
                "200": {"description": "Members", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Subjects"}}},
                  "links": {
                    "access": {"operationId": "subjectAccess", "parameters": {"subject": "$response.body#/subjects/0/subject"}},
                    "withdraw": {"operationId": "withdraw", "parameters": {"subject": "$response.body#/subjects/0/subject"}},
                    "erase": {"operationId": "erase", "parameters": {"subject": "$response.body#/subjects/0/subject"}}}},
                "default": {"$ref": "#/components/responses/Refused"}}},
              "post": {"operationId": "enrol", "summary": "Enrol one person with their consent (admin)",
                "requestBody": {"required": true, "content": {"multipart/form-data": {"schema": {"type": "object", "required": ["name", "purposes", "photo"],
                  "properties": {"name": {"type": "string", "minLength": 1, "pattern": "\\S"}, "notice": {"type": "string"}, "method": {"type": "string"},
                    "card": {"type": "string"}, "purposes": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                    "photo": {"type": "array", "items": {"type": "string", "format": "binary"}, "minItems": 1}}}}}},
                "responses": {"200": {"description": "Enrolled", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Enrolled"}}},
                    "links": {
                      "access": {"operationId": "subjectAccess", "parameters": {"subject": "$response.body#/subject"}},
                      "withdraw": {"operationId": "withdraw", "parameters": {"subject": "$response.body#/subject"}},
                      "erase": {"operationId": "erase", "parameters": {"subject": "$response.body#/subject"}}}},
                  "default": {"$ref": "#/components/responses/Refused"}}}},
            "/api/v1/subjects/{subject}": {"get": {"operationId": "subjectAccess", "summary": "A member's access answer, Art. 15 (admin, dpo)",
              "parameters": [{"$ref": "#/components/parameters/subject"}],
              "responses": {"200": {"description": "The answer", "content": {"application/json": {"schema": {"type": "object"}}}},
                "default": {"$ref": "#/components/responses/Refused"}}}},
            "/api/v1/subjects/{subject}/erase": {"post": {"operationId": "erase", "summary": "Erase a member now, Art. 17 (admin)",
              "parameters": [{"$ref": "#/components/parameters/subject"}],
              "responses": {"200": {"description": "Erased", "content": {"application/json": {"schema": {"type": "object", "required": ["subject", "erased"],
                "properties": {"subject": {"type": "string"}, "erased": {"type": "boolean"}}}}}},
                "default": {"$ref": "#/components/responses/Refused"}}}},
            "/api/v1/subjects/{subject}/withdraw": {"post": {"operationId": "withdraw", "summary": "Withdraw consent to some purposes, or all (admin)",
              "parameters": [{"$ref": "#/components/parameters/subject"}],
              "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {"purposes": {"type": "array", "items": {"type": "string"}, "minItems": 1}}}}}},
              "responses": {"200": {"description": "Withdrawn", "content": {"application/json": {"schema": {"type": "object"}}}},
                "default": {"$ref": "#/components/responses/Refused"}}}},
            "/api/v1/exports/{kind}": {"get": {"operationId": "export", "summary": "A DPO export (dpo)",
              "parameters": [{"name": "kind", "in": "path", "required": true, "schema": {"type": "string", "enum": ["consent_log", "audit", "fleet_audit", "ropa", "ropa_draft", "dpia"]}},
                {"name": "format", "in": "query", "required": false, "schema": {"type": "string", "enum": ["jsonl", "csv", "json", "md"]}}],
              "responses": {"200": {"description": "The export", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Export"}}}},
                "default": {"$ref": "#/components/responses/Refused"}}}},
            "/api/v1/events": {"get": {"operationId": "doorEvents", "summary": "The door's decisions and alerts as they happen (staff, admin)",
              "description": "Server-sent events (text/event-stream) that never end by themselves: first an alert_open event per alert still open, then decision, alert_confirmed and alert_expired events, and a comment line every 15 s. Each event's data is one JSON object: ts, decision, track, frames, latency_ms, subject, name (for roles that may see names), alert and alert_expires_at for alerts; alert_confirmed and alert_expired carry ts, alert, status and the decision. No image. The stream ends when the session ends or the token is revoked, and when the daemon stops. 503 busy when as many streams are open as the console allows.",
              "responses": {"200": {"description": "The event stream", "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                "default": {"$ref": "#/components/responses/Refused"}}}},
            "/api/v1/alerts": {"get": {"operationId": "doorAlerts", "summary": "Door alerts still open, waiting for a person (staff, admin)",
              "responses": {"200": {"description": "The open alerts", "content": {"application/json": {"schema": {"type": "object", "required": ["alerts"],
                "properties": {"alerts": {"type": "array", "items": {"$ref": "#/components/schemas/Alert"}}}}}}},
                "default": {"$ref": "#/components/responses/Refused"}}}},
            "/api/v1/alerts/{alert}/confirm": {"post": {"operationId": "confirmAlert", "summary": "A person's decision on a door alert, with a reason, before it expires (staff, admin)",
              "parameters": [{"name": "alert", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9a-f]{16}$"}}],
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["decision", "reason"],
                "properties": {"decision": {"type": "string", "enum": ["deny", "admit"]}, "reason": {"type": "string", "minLength": 1, "pattern": "\\S"}}}}}},
              "responses": {"200": {"description": "The alert, decided", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Alert"}}}},
                "default": {"$ref": "#/components/responses/Refused"}}}},
            "/api/v1/denylist": {"get": {"operationId": "denyList", "summary": "Whether the deny-list is on, under which DPIA, and its entries (admin)",
              "responses": {"200": {"description": "The deny-list", "content": {"application/json": {"schema": {"type": "object",
                "required": ["enabled", "entries"], "properties": {"enabled": {"type": "boolean"}, "dpia_reference": {"type": ["string", "null"]},
                  "entries": {"type": "array", "items": {"type": "object"}}}}}}},
                "default": {"$ref": "#/components/responses/Refused"}}}},
            "/api/v1/denylist/enable": {"post": {"operationId": "denyListEnable", "summary": "One admin's request to enable the deny-list under a DPIA; distinct admins needed (admin)",
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["dpia_reference", "reason"],
                "properties": {"dpia_reference": {"type": "string", "minLength": 1}, "reason": {"type": "string", "minLength": 1}}}}}},
              "responses": {"200": {"description": "The activation", "content": {"application/json": {"schema": {"type": "object"}}}},
                "default": {"$ref": "#/components/responses/Refused"}}}},
            "/api/v1/denylist/entries": {"post": {"operationId": "denyListPropose", "summary": "Propose an entry with a reason and incidents as evidence (admin)",
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["subject", "reason", "evidence"],
                "properties": {"subject": {"type": "string", "pattern": "^[0-9a-f]{32}$"}, "reason": {"type": "string", "minLength": 1},
                  "evidence": {"type": "array", "items": {"type": "string"}, "minItems": 1}}}}}},
              "responses": {"200": {"description": "The proposed entry", "content": {"application/json": {"schema": {"type": "object"}}}},
                "default": {"$ref": "#/components/responses/Refused"}}}},
            "/api/v1/denylist/entries/{entry}/approve": {"post": {"operationId": "denyListApprove", "summary": "Approve an entry; never its proposer (admin)",
              "parameters": [{"$ref": "#/components/parameters/entry"}], "requestBody": {"$ref": "#/components/requestBodies/Reason"},
              "responses": {"200": {"description": "The entry", "content": {"application/json": {"schema": {"type": "object"}}}},
                "default": {"$ref": "#/components/responses/Refused"}}}},
            "/api/v1/denylist/entries/{entry}/reject": {"post": {"operationId": "denyListReject", "summary": "Reject an entry or its renewal (admin)",
              "parameters": [{"$ref": "#/components/parameters/entry"}], "requestBody": {"$ref": "#/components/requestBodies/Reason"},
              "responses": {"200": {"description": "The entry", "content": {"application/json": {"schema": {"type": "object"}}}},
                "default": {"$ref": "#/components/responses/Refused"}}}},
            "/api/v1/denylist/entries/{entry}/renew": {"post": {"operationId": "denyListRenew", "summary": "Start a renewal, approved as a proposal is (admin)",
              "parameters": [{"$ref": "#/components/parameters/entry"}], "requestBody": {"$ref": "#/components/requestBodies/Reason"},
              "responses": {"200": {"description": "The entry", "content": {"application/json": {"schema": {"type": "object"}}}},
                "default": {"$ref": "#/components/responses/Refused"}}}},
            "/api/v1/incidents": {"post": {"operationId": "incidentAdd", "summary": "Record an incident against a member (staff, admin)",
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["subject", "category"],
                "properties": {"subject": {"type": "string", "pattern": "^[0-9a-f]{32}$"}, "category": {"type": "string", "minLength": 1}, "note": {"type": "string"}}}}}},
              "responses": {"200": {"description": "The incident, and the entry the policy's rule proposed, if any", "content": {"application/json": {"schema": {"type": "object",
                "properties": {"incident": {"type": "object"}, "proposed_entry": {"type": ["object", "null"]}}}}}},
                "default": {"$ref": "#/components/responses/Refused"}}}},
            "/api/v1/stats": {"get": {"operationId": "statistics", "summary": "Daily decision counts, visits by hour, regulars (admin); aggregates only (dpo)",
              "parameters": [{"name": "days", "in": "query", "required": false, "schema": {"type": "integer", "enum": [7, 30, 90]}},
                {"name": "names", "in": "query", "required": false, "schema": {"type": "boolean"}}],
              "responses": {"200": {"description": "The statistics", "content": {"application/json": {"schema": {"type": "object",
                "required": ["days", "counters", "visits_by_hour", "segments"], "properties": {"days": {"type": "integer"}, "counters": {"type": "array"},
                  "visits_by_hour": {"type": "array", "items": {"type": "integer"}, "minItems": 24, "maxItems": 24}, "segments": {"type": "object"},
                  "regulars": {"type": "array", "items": {"type": "object"}}}}}}},
                "default": {"$ref": "#/components/responses/Refused"}}}}
          }
        }
        """#
}
