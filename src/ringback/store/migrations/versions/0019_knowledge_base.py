"""knowledge-base articles, their versions and their full-text search index

PostgreSQL: a generated tsvector column (title weight A, keywords B, body and
phone-number labels C) with a GIN index. SQLite: an FTS5 table over the
articles (external content) kept in step by triggers, so a plain DELETE or
UPDATE of kb_articles updates the index too.

Revision ID: 0019_knowledge_base
Revises: 0018_customer_calls
"""

import sqlalchemy as sa
from alembic import op

revision = '0019_knowledge_base'
down_revision = '0018_customer_calls'
branch_labels = None
depends_on = None

PG_SEARCH_VECTOR = (
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(keywords, '')), 'B') || "
    "setweight(to_tsvector('english', coalesce(body, '')), 'C') || "
    "setweight(jsonb_to_tsvector('english', jsonb_path_query_array("
    "coalesce(phone_numbers::jsonb, '[]'::jsonb), '$[*].label'), '[\"string\"]'), 'C')"
)
_FTS_BODY = ("coalesce({row}.body, '') || ' ' || coalesce((SELECT group_concat("
             "json_extract(value, '$.label'), ' ') FROM json_each({row}.phone_numbers)), '')")
_FTS_ADD = ("INSERT INTO kb_articles_fts(rowid, title, keywords, body) "
            "VALUES (new.id, new.title, new.keywords, " + _FTS_BODY.format(row="new") + ");")
_FTS_DROP = ("INSERT INTO kb_articles_fts(kb_articles_fts, rowid, title, keywords, body) "
             "VALUES ('delete', old.id, old.title, old.keywords, "
             + _FTS_BODY.format(row="old") + ");")
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE kb_articles_fts USING fts5(title, keywords, body, "
    "content='kb_articles', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER kb_articles_fts_ai AFTER INSERT ON kb_articles BEGIN {_FTS_ADD} END",
    f"CREATE TRIGGER kb_articles_fts_ad AFTER DELETE ON kb_articles BEGIN {_FTS_DROP} END",
    "CREATE TRIGGER kb_articles_fts_au AFTER UPDATE OF title, keywords, body, phone_numbers "
    f"ON kb_articles BEGIN {_FTS_DROP} {_FTS_ADD} END",
)


def upgrade() -> None:
    op.create_table(
        'kb_articles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('phone_numbers', sa.JSON(), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=True),
        sa.Column('linked_article_id', sa.Integer(), nullable=True),
        sa.Column('keywords', sa.String(length=500), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('usage_count', sa.Integer(), nullable=False),
        sa.Column('archived', sa.Boolean(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['linked_article_id'], ['kb_articles.id'],
                                name=op.f('fk_kb_articles_linked_article_id_kb_articles')),
        sa.ForeignKeyConstraint(['created_by'], ['agents.id'],
                                name=op.f('fk_kb_articles_created_by_agents'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['updated_by'], ['agents.id'],
                                name=op.f('fk_kb_articles_updated_by_agents'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_articles')),
    )
    op.create_index(op.f('ix_kb_articles_linked_article_id'), 'kb_articles',
                    ['linked_article_id'])
    op.create_table(
        'kb_article_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('phone_numbers', sa.JSON(), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=True),
        sa.Column('linked_article_id', sa.Integer(), nullable=True),
        sa.Column('keywords', sa.String(length=500), nullable=False),
        sa.Column('edited_by', sa.Integer(), nullable=True),
        sa.Column('edited_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'],
                                name=op.f('fk_kb_article_versions_article_id_kb_articles'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['edited_by'], ['agents.id'],
                                name=op.f('fk_kb_article_versions_edited_by_agents'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_versions')),
        sa.UniqueConstraint('article_id', 'version',
                            name='uq_kb_article_versions_article_version'),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE kb_articles ADD COLUMN search_vector tsvector "
                   f"GENERATED ALWAYS AS ({PG_SEARCH_VECTOR}) STORED")
        op.execute("CREATE INDEX ix_kb_articles_search_vector ON kb_articles "
                   "USING gin (search_vector)")
    else:
        for statement in SQLITE_FTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for trigger in ("kb_articles_fts_au", "kb_articles_fts_ad", "kb_articles_fts_ai"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS kb_articles_fts")
    op.drop_table('kb_article_versions')
    op.drop_index(op.f('ix_kb_articles_linked_article_id'), table_name='kb_articles')
    op.drop_table('kb_articles')
