-- Data as kefu at schema 0001 wrote it, in SQL both engines accept: ids come from the tables
-- themselves (foreign keys are looked up by natural keys), so PostgreSQL's identity
-- sequences stay right. Ticket numbers 501–503 are below both engines' counters (10001 is
-- the next number), as if imported from an older system. Times are Unix milliseconds.
-- The API token of admin@fixture.example is kefu_upgrade_fixture_token_0001.

INSERT INTO teams (name, kind, description, created_at, updated_at) VALUES
    ('售后一组', 'team', '退换货与维修', 1735689600000, 1735689600000),
    ('物流部', 'department', '', 1735689600000, 1735689600000);

INSERT INTO users (email, name, role, password_hash, created_at, updated_at) VALUES
    ('admin@fixture.example', '管理员', 'admin', '', 1735689600000, 1735689600000),
    ('wangfang@fixture.example', '王芳', 'agent', '', 1735689600000, 1735689600000);

INSERT INTO team_members (team_id, user_id) VALUES
    ((SELECT id FROM teams WHERE name = '售后一组'), (SELECT id FROM users WHERE email = 'wangfang@fixture.example'));

INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES
    ((SELECT id FROM users WHERE email = 'admin@fixture.example'), 'fixture',
     '5cfd65850bb7dfa9e9a948d3e581748c23d31209c56f4fbaf207ba31830ef2b4', 1735689600000);

INSERT INTO tags (name, created_at) VALUES ('退款', 1735689600000), ('VIP', 1735689600000);

INSERT INTO customers (name, organization, tier, stage, notes, created_at, updated_at) VALUES
    ('张伟', '上海张氏贸易有限公司', 'vip', 'current', '老客户，偏好电话联系', 1735689600000, 1735776000000),
    ('李娜', '', 'ordinary', 'potential', '', 1735689600000, 1735689600000);

INSERT INTO customer_identities (customer_id, kind, value, created_at) VALUES
    ((SELECT id FROM customers WHERE name = '张伟'), 'email', 'zhangwei@example.com', 1735689600000),
    ((SELECT id FROM customers WHERE name = '张伟'), 'phone', '+8613800138000', 1735689600000),
    ((SELECT id FROM customers WHERE name = '李娜'), 'email', 'lina@example.com', 1735689600000);

INSERT INTO customer_tags (customer_id, tag_id) VALUES
    ((SELECT id FROM customers WHERE name = '张伟'), (SELECT id FROM tags WHERE name = 'VIP'));

INSERT INTO tickets (number, subject, type, subtype, status, priority, channel, customer_id, team_id, assignee_id, owner_id,
                     preview, message_count, created_at, updated_at, first_response_at, last_customer_message_at, last_agent_message_at) VALUES
    (501, '洗衣机漏水，要求退款', 'aftersale', 'refund', 'open', 2, 'email',
     (SELECT id FROM customers WHERE name = '张伟'), (SELECT id FROM teams WHERE name = '售后一组'),
     (SELECT id FROM users WHERE email = 'wangfang@fixture.example'), (SELECT id FROM users WHERE email = 'wangfang@fixture.example'),
     '您好，已为您登记退款', 2, 1735776000000, 1735779600000, 1735779600000, 1735776000000, 1735779600000),
    (502, '快递三天未到', 'complaint', '', 'pending_department', 3, 'phone',
     (SELECT id FROM customers WHERE name = '张伟'), NULL, NULL, NULL,
     '快递三天未到，很着急', 1, 1735862400000, 1735862400000, NULL, 1735862400000, NULL),
    (503, '发票抬头怎么改', 'consultation', '', 'closed', 4, 'portal',
     (SELECT id FROM customers WHERE name = '李娜'), NULL, NULL, NULL,
     '请问发票抬头怎么改', 1, 1735948800000, 1736035200000, NULL, 1735948800000, NULL);

UPDATE tickets SET custom_fields = '{"order_no":"SO-2025-0001"}' WHERE number = 501;
UPDATE tickets SET department_id = (SELECT id FROM teams WHERE name = '物流部') WHERE number = 502;
UPDATE tickets SET closed_at = 1736035200000, resolved_at = 1736035200000 WHERE number = 503;

INSERT INTO ticket_tags (ticket_id, tag_id) VALUES
    ((SELECT id FROM tickets WHERE number = 501), (SELECT id FROM tags WHERE name = '退款'));

INSERT INTO ticket_links (from_id, to_id, kind, created_at) VALUES
    ((SELECT id FROM tickets WHERE number = 501), (SELECT id FROM tickets WHERE number = 502), 'related', 1735862400000);

INSERT INTO messages (ticket_id, kind, author_kind, author_user_id, author_customer_id, channel, body_text, created_at) VALUES
    ((SELECT id FROM tickets WHERE number = 501), 'reply', 'customer', NULL, (SELECT id FROM customers WHERE name = '张伟'), 'email',
     '洗衣机用了两天就漏水，要求退款。', 1735776000000),
    ((SELECT id FROM tickets WHERE number = 501), 'reply', 'agent', (SELECT id FROM users WHERE email = 'wangfang@fixture.example'), NULL, 'email',
     '您好，已为您登记退款，三个工作日内到账。', 1735779600000),
    ((SELECT id FROM tickets WHERE number = 502), 'reply', 'customer', NULL, (SELECT id FROM customers WHERE name = '张伟'), 'phone',
     '快递三天未到，很着急。', 1735862400000),
    ((SELECT id FROM tickets WHERE number = 503), 'reply', 'customer', NULL, (SELECT id FROM customers WHERE name = '李娜'), 'portal',
     '请问发票抬头怎么改？', 1735948800000);

INSERT INTO events (subject_kind, subject_id, action, field, old_value, new_value, actor_kind, actor_id, created_at) VALUES
    ('ticket', (SELECT id FROM tickets WHERE number = 501), 'created', '', NULL, NULL, 'customer', (SELECT id FROM customers WHERE name = '张伟'), 1735776000000),
    ('ticket', (SELECT id FROM tickets WHERE number = 501), 'updated', 'status', 'new', 'open', 'user', (SELECT id FROM users WHERE email = 'wangfang@fixture.example'), 1735779600000),
    ('ticket', (SELECT id FROM tickets WHERE number = 502), 'created', '', NULL, NULL, 'customer', (SELECT id FROM customers WHERE name = '张伟'), 1735862400000),
    ('ticket', (SELECT id FROM tickets WHERE number = 503), 'created', '', NULL, NULL, 'customer', (SELECT id FROM customers WHERE name = '李娜'), 1735948800000),
    ('customer', (SELECT id FROM customers WHERE name = '张伟'), 'created', '', NULL, NULL, 'system', NULL, 1735689600000);

INSERT INTO custom_fields (entity, key, type, label_zh, label_en, position, created_at) VALUES
    ('ticket', 'order_no', 'text', '订单号', 'Order number', 1, 1735689600000);
